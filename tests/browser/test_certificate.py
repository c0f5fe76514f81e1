"""A learner finishes the seed series, opens the certificate from the certificate component,
downloads the PDF, and the verification URL printed in it opens the public page."""

import io
import re
import shutil
import subprocess
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from certificates.models import Certificate
from courses import content
from courses.models import Component, Module
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_learner_path import DEMO_PASSWORD, RESOURCE, SERIES_TITLE, _seed, _sign_in

pytestmark = pytest.mark.browser

LEARNER = "grace.kim@example.com"  # the seed's learner with three of the four components done
LAST_MODULE = "making-first-contact-and-victim-communication-in-csam-cases"


def _open(page: Page, component: Component) -> None:
    """The component's page, past the module's content advisory if it is still to acknowledge
    (acknowledging leads to the module's next component: come back)."""
    page.goto(component.get_absolute_url())
    heading = page.get_by_role("heading", level=1)
    expect(heading).not_to_have_text("")
    if heading.text_content() == "Before you start this module":
        page.get_by_role("button", name="I understand, continue to the module").click()
        expect(heading).not_to_have_text("Before you start this module")
        page.goto(component.get_absolute_url())


def test_learner_completes_the_series_and_proves_it(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch, settings, live_server
):
    _seed(monkeypatch)
    settings.LMS_BASE_URL = live_server.url  # the URL printed in the PDF opens this server
    # The seed series has no certificate component (its modules "Contain 2 Component(s)"): an
    # author adds one, optional, at the end of the last module.
    module = Module.objects.get(slug=LAST_MODULE)
    component = content.component_create(
        module=module, kind=Component.Kind.CERTIFICATE, title="Your certificate"
    )
    _sign_in(page, LEARNER, DEMO_PASSWORD)

    # Before: the component names what is left.
    _open(page, component)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificate")
    card = page.locator("#certificate-card")
    expect(card).to_contain_text(
        "Complete the 1 remaining required component to receive your certificate"
    )
    screenshot(page, "certificate-01-component-before")

    # The last required component: the toolkit resource, opened through the tracked link.
    card.get_by_role("link", name=RESOURCE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESOURCE)
    outside = lambda r: urlparse(r.url).hostname not in {"127.0.0.1", "localhost"}  # noqa: E731
    with page.context.expect_event("requestfailed", outside), page.expect_popup() as popup:
        page.get_by_role("link", name="Open the resource").click()
    popup.value.close()

    # After: the component links to the certificate.
    page.goto(component.get_absolute_url())
    expect(card).to_contain_text("Your certificate is ready")
    screenshot(page, "certificate-02-component-after")
    certificate = Certificate.objects.get(user__email=LEARNER)
    pdf_link = card.get_by_role("link", name="Open your certificate (PDF)")
    expect(pdf_link).to_have_attribute("href", f"/certificates/{certificate.code}.pdf")

    # Download the PDF with the browser's session (its cookies) and read it.
    response = page.request.get(pdf_link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = SCREENSHOTS / "certificate-03.pdf"
    saved.write_bytes(body)
    pdftoppm = shutil.which("pdftoppm")  # poppler: the first page as a PNG to look at
    if pdftoppm:
        page_png = str(SCREENSHOTS / "certificate-03-pdf")
        command = [pdftoppm, "-png", "-r", "60", "-singlefile", str(saved), page_png]
        subprocess.run(command, check=True)  # noqa: S603  # our own file
    text = " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())
    assert SERIES_TITLE in text
    assert certificate.learner_name in text
    found = re.search(r"https?://\S+?/certificates/verify/[\w-]+/", text)
    assert found, text
    assert found.group(0) == f"{live_server.url}/certificates/verify/{certificate.code}/"

    # The list of the learner's certificates.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificates")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Valid")
    screenshot(page, "certificate-04-list")

    # The verification URL opens the public page, without a session.
    public = page.context.browser.new_context(base_url=live_server.url)  # type: ignore[union-attr]
    try:
        verify = public.new_page()
        verify.goto(found.group(0))
        expect(verify.get_by_role("heading", level=1)).to_have_text("Certificate verification")
        expect(verify.locator("#certificate-status")).to_contain_text("Valid")
        expect(verify.locator("main")).to_contain_text(certificate.learner_name)
        expect(verify.locator("main")).not_to_contain_text(LEARNER)
        screenshot(verify, "certificate-05-verify")
    finally:
        public.close()

"""The certificate component of a module: what is left before the certificate, then a link to
the certificate of the learner's current cycle."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from certificates.models import Certificate
from courses import content, services
from courses.models import Component, Module
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate_component(credited) -> Component:
    """An optional certificate component at the end of the last module, added as an author does."""
    last = Module.objects.get(series=credited, slug="first-contact")
    return content.component_create(
        module=last, kind=Component.Kind.CERTIFICATE, title="Your certificate"
    )


def _page(user, component: Component) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(component.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_before_completion_it_says_what_is_left(learner, credited, certificate_component):
    """Module one done: the two required components of module two remain, named and linked."""
    services.enrollment_create(user=learner, series=credited)
    for component in Component.objects.filter(module__slug="understanding").order_by("position"):
        if component.kind == Component.Kind.VIDEO:
            services.progress_start(
                user=learner, component=component, now=timezone.now() - timedelta(hours=1)
            )
            services.progress_record(user=learner, component=component, watched_ranges=[[0, 100]])
        else:
            services.progress_record(user=learner, component=component)
    body = _page(learner, certificate_component)
    assert "Complete the 2 remaining required components to receive your certificate" in body
    for slug in ("checklist", "support"):
        remaining = Component.objects.get(module__series=credited, slug=slug)
        assert f'<a href="{remaining.get_absolute_url()}">{remaining.title}</a>' in body
    assert "/certificates/" not in body.split('id="certificate-card"')[1].split("</div>")[0]
    assert not Certificate.objects.filter(user=learner).exists()


def test_once_issued_it_links_to_the_certificate(learner, credited, certificate_component):
    enrollment = finish(learner, credited)
    certificate = Certificate.objects.get(enrollment=enrollment)
    body = _page(learner, certificate_component)
    assert f'href="/certificates/{certificate.code}.pdf"' in body
    assert f'href="/certificates/verify/{certificate.code}/"' in body
    assert "remaining required" not in body
    # The learner follows the link and gets the PDF.
    client = Client()
    client.force_login(learner)
    assert client.get(certificate.get_pdf_url())["Content-Type"] == "application/pdf"


def test_a_revoked_certificate_is_said_so(learner, credited, certificate_component):
    from certificates.services import certificate_revoke
    from tests import factories

    enrollment = finish(learner, credited)
    certificate_revoke(
        certificate=Certificate.objects.get(enrollment=enrollment),
        by=factories.UserFactory(is_staff=True),
        reason="Issued in error",
    )
    body = _page(learner, certificate_component)
    assert "revoked" in body
    assert "Issued in error" not in body

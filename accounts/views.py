"""The user's own pages (allauth serves sign-in, email and two-factor ones), and the emailed
code that comes before a first authenticator."""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services, sessions
from accounts.access import MFA_ENROLLMENT_BINDING_KEY
from accounts.forms import MfaEmailCodeForm, ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.middleware import SESSION_KEY as AGENCY_ZONE_KEY
from accounts.sessions import session_passive
from lms.http import is_same_origin


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The name as printed on certificates, the officer ID, the preferred language."""
    user = request.user
    initial = {
        "full_name": user.full_name,
        "certificate_name": user.certificate_name,
        "officer_id": user.officer_id,
        "preferred_language": user.preferred_language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.profile_update(user=user, **form.cleaned_data)
            # Said in the language the next page is in: the one just chosen.
            translation.activate(
                user.preferred_language or translation.get_language_from_request(request)
            )
            messages.success(
                request,
                gettext(
                    "Your profile is saved. Certificates issued from now on carry the name on "
                    "certificates; those already issued keep the name they were issued with."
                ),
            )
            return redirect("accounts:profile")
        messages.error(
            request, gettext("Your profile is not saved yet: please correct the fields marked.")
        )
    token = selectors.calendar_token(user)
    calendar_url = (
        request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))
        if token
        else None
    )
    return render(request, "accounts/profile.html", {"form": form, "calendar_url": calendar_url})


@require_POST
def agency_join(request: AuthenticatedHttpRequest) -> HttpResponse:
    """“Check again” on the home page of a learner in no agency: join the agency that has since
    registered the domain of their verified address, if one has."""
    email = selectors.verified_primary_email(request.user)
    membership = (
        services.membership_join_by_email_domain(user=request.user, email=email, request=request)
        if email
        else None
    )
    if membership is None:
        domain = (email or request.user.email).rpartition("@")[2]
        messages.info(
            request,
            gettext(
                "No agency has registered @%(domain)s yet. Nothing changed; try again once your "
                "agency tells you it is registered."
            )
            % {"domain": domain},
        )
    else:
        # Dates follow the agency's zone from the next page on, as after a sign-in.
        request.session[AGENCY_ZONE_KEY] = membership.agency.timezone
        messages.success(
            request,
            gettext("You are now a learner of %(agency)s. Training it assigns you appears here.")
            % {"agency": membership.agency.name},
        )
    return redirect("home")


@require_POST
def calendar_link(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make a new private calendar link (the old one stops working) or stop the link."""
    action = request.POST.get("action")
    if action == "reset":
        had_one = bool(request.user.calendar_key)
        services.calendar_link_reset(user=request.user, request=request)
        messages.success(
            request,
            gettext(
                "Your new calendar link is below. The old link no longer works: add the new "
                "one to your calendar app."
            )
            if had_one
            else gettext("Your calendar link is ready: add it to your calendar app."),
        )
    elif action == "stop":
        services.calendar_link_stop(user=request.user, request=request)
        messages.success(
            request, gettext("Your calendar link no longer works. Nothing else changed.")
        )
    else:
        messages.error(
            request, gettext("Nothing changed: choose to reset or to stop the calendar link.")
        )
    return redirect(reverse("accounts:profile") + "#calendar")


@login_not_required
# Checked below without a token: the switcher is on every page, and a page carries no
# per-request token (tests/accounts/test_sessions.py).
@csrf_exempt
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The switcher on every page: for one of the site's languages, the language cookie (as
    Django's ``set_language`` sets it) and, for a signed-in user, their preferred language;
    any other code changes nothing. Either way back to the page the switcher was on, by its
    ``Referer`` when that is a page of this site, else home (no ``next``: the form has none).
    A post from another site is refused."""
    if not is_same_origin(request):
        raise PermissionDenied
    response = redirect(_page_referred_from(request))
    code = request.POST.get("language", "")
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        if request.user.is_authenticated:
            services.user_language_set(user=request.user, language=code)
    return response


def _page_referred_from(request: HttpRequest) -> str:
    """The path (and query) of the ``Referer`` when it is a page of this site, else home."""
    hosts = {request.get_host()}
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts=hosts, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        # As it goes in the Location header: checked again there (a "//host" path, a length
        # past what the check accepts).
        page = iri_to_uri(parts.path + (f"?{parts.query}" if parts.query else ""))
        if page.startswith("/") and url_has_allowed_host_and_scheme(page, allowed_hosts=hosts):
            return page
    return "/"


def _mfa_next(request: AuthenticatedHttpRequest) -> str:
    """Where the code page leads once the code is entered: one of the pages that add an
    authenticator (the gate sent the user from there), else the two-factor page."""
    allowed = {reverse("mfa_activate_totp"), reverse("mfa_add_webauthn"), reverse("mfa_index")}
    wanted = request.GET.get("next", "")
    return wanted if wanted in allowed else reverse("mfa_index")


@require_http_methods(["GET", "POST"])
def mfa_email_code(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Before a supervisor, author or staff member adds a first authenticator (with MFA
    required): email a one-time code to their verified address, and take it back. A POST with
    ``send`` sends a new code; a POST with ``code`` checks it. Anyone who needs no code, or has
    entered it already in this session, goes straight on."""
    user = request.user
    next_url = _mfa_next(request)
    binding = request.session.get(MFA_ENROLLMENT_BINDING_KEY)
    if not selectors.mfa_enrollment_needs_email_code(user) or selectors.mfa_enrollment_confirmed(
        user=user, binding=binding
    ):
        return redirect(next_url)
    email = selectors.verified_primary_email(user)
    minutes = settings.LMS_MFA_ENROLL_CODE_MINUTES
    form = MfaEmailCodeForm()
    if request.method == "POST" and email is not None:
        if "send" in request.POST:
            if not binding:
                binding = secrets.token_urlsafe(32)
                request.session[MFA_ENROLLMENT_BINDING_KEY] = binding
            if services.mfa_enrollment_code_send(user=user, binding=binding, request=request):
                messages.success(request, gettext("Email sent: look for the code in your inbox."))
            else:
                messages.error(
                    request,
                    gettext(
                        "You have asked for several codes in the last hour, so no new one was "
                        "sent. The last code you received still works until it expires; "
                        "otherwise please try again later."
                    ),
                )
            return redirect(request.get_full_path())
        form = MfaEmailCodeForm(request.POST)
        if form.is_valid():
            result = services.mfa_enrollment_code_check(
                user=user, binding=binding or "", code=form.cleaned_data["code"], request=request
            )
            if result.outcome is services.CodeCheck.CONFIRMED:
                messages.success(
                    request,
                    ngettext(
                        "Thank you, your email address is confirmed. Now add your "
                        "authenticator (within %(minutes)s minute).",
                        "Thank you, your email address is confirmed. Now add your "
                        "authenticator (within %(minutes)s minutes).",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
                return redirect(next_url)
            if result.outcome is services.CodeCheck.WRONG:
                left = result.attempts_left
                form.add_error(
                    "code",
                    ngettext(
                        "That code is not the one we sent. %(count)s try left.",
                        "That code is not the one we sent. %(count)s tries left.",
                        left,
                    )
                    % {"count": left},
                )
            else:
                form.add_error(
                    "code",
                    gettext(
                        "This code no longer works: it has expired, was used already, or was "
                        "mistyped too often. Ask for a new code below."
                    ),
                )
    live = selectors.mfa_enrollment_code_live(user=user, binding=binding)
    return render(
        request,
        "accounts/mfa_email_code.html",
        {"email": email, "live": live, "form": form, "minutes": minutes},
    )


@login_not_required
@never_cache
@session_passive  # asking how long is left must not count as activity; a POST counts below
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """The warning dialog's endpoint: GET says how long the session has left, POST (“Stay
    signed in”) counts as activity first. 401 once the session is over (or never was)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    if request.method == "POST":
        sessions.session_touch(request.session, force=True)
    clock = sessions.session_clock(request.session)
    return JsonResponse(
        {
            "signed_in": True,
            "seconds_left": max(0, int(clock.seconds_left)),
            "extendable": clock.extendable,
        }
    )

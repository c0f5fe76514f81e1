from allauth.mfa.totp import views as totp_views
from allauth.mfa.webauthn import views as webauthn_views
from django.urls import path

from accounts import views
from accounts.access import mfa_enrollment_gate

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/", views.calendar_link, name="calendar-link"),
    path("agency/join/", views.agency_join, name="agency-join"),
    path("2fa/email-code/", views.mfa_email_code, name="mfa-email-code"),
    # allauth's own pages that add an authenticator, behind the emailed-code gate. lms/urls.py
    # includes this file before allauth's, so these paths resolve here first (and
    # reverse("mfa_activate_totp") and reverse("mfa_add_webauthn") lead here too);
    # tests/accounts/test_mfa_enrollment.py checks the order holds.
    path("2fa/totp/activate/", mfa_enrollment_gate(totp_views.activate_totp), name="mfa-activate"),
    path("2fa/webauthn/add/", mfa_enrollment_gate(webauthn_views.add_webauthn), name="mfa-add-key"),
    path("session/", views.session_status, name="session"),
    path("language/", views.language, name="language"),
]

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, register_converter

from certificates.views import credentials as credential_views
from courses import views as course_views
from lms import views
from lms.converters import IdConverter
from toolkit import views as toolkit_views

# Before the apps' URLs are read: they name ids with it (<id:learner_id>).
register_converter(IdConverter, "id")

admin.site.site_header = "Training Tracker administration"
# Staff sign in through allauth like everyone else, so email verification and MFA apply to them.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_title = "Training Tracker admin"

urlpatterns = [
    path("", course_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The profile and the emailed-code gate before allauth's MFA pages: first, so its paths win.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("series/", include("courses.urls")),
    path("toolkit/", include("toolkit.urls")),
    # Public: the footer's wellness link on every page, for signed-out visitors too.
    path("wellness/", toolkit_views.wellness, name="wellness"),
    # A learner's private calendar feed: the token is the key (no session), see the profile.
    path("calendar/<str:token>.ics", course_views.calendar_feed, name="calendar-feed"),
    path("agency/", include("supervision.urls")),
    path("", include("certificates.transcript_urls")),
    path("reminders/", include("reminders.urls")),
    path("studio/", include("studio.urls")),
    path("", include("certificates.urls")),  # /certificates/...
    # At the site's root, where verifiers look for an issuer's keys.
    path(".well-known/jwks.json", credential_views.jwks, name="jwks"),
    path("admin/", admin.site.urls),
]

handler403 = "lms.views.permission_denied"
handler404 = "lms.views.page_not_found"
handler500 = "lms.views.server_error"

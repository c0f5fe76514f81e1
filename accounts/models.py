import hashlib
import zoneinfo
from datetime import date
from typing import ClassVar
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AUTHORS_GROUP = "Authors"

# The languages of the interface a user may choose in their profile.
PREFERRED_LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]

TIMEZONE_CHOICES = sorted((tz, tz) for tz in available_timezones() if "/" in tz)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address."""

    # The email is the login and one full name is printed on certificates: AbstractUser's
    # fields for the other way are removed (django-stubs types them as always present).
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Printed on certificates when given (a certificate keeps the name it was issued with).
    certificate_name = models.CharField(
        _("name on certificates"),
        max_length=150,
        blank=True,
        help_text=_("As it should appear on your certificates; empty: your full name."),
    )
    officer_id = models.CharField(
        _("officer ID"),
        max_length=50,
        blank=True,
        help_text=_("Your state certification number (POST, DPSST, ...), if you have one."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        choices=PREFERRED_LANGUAGES,
        help_text=_("Empty: the language your browser asks for."),
    )
    # The private calendar feed's random key (accounts.selectors.calendar_token): empty, no
    # feed; a new key ends every link made with the old one.
    calendar_key = models.CharField(
        _("calendar feed key"), max_length=64, blank=True, editable=False
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]  # ours creates users by email

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        permissions = [
            ("reset_mfa", _("Can reset a user's two-factor authentication")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def name_for_certificates(self) -> str:
        return self.certificate_name or self.full_name or self.email

    @property
    def language(self) -> str:
        """The language to write to this user in outside their requests (reminders, the
        calendar feed, a certificate PDF built after completion): their preferred one, else
        the site's (there is no browser to ask)."""
        if self.preferred_language in dict(settings.LANGUAGES):
            return self.preferred_language
        return settings.LANGUAGE_CODE

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_author(self) -> bool:
        return self.is_staff or self.groups.filter(name=AUTHORS_GROUP).exists()


class Agency(models.Model):
    """A law-enforcement agency whose learners a supervisor oversees."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="America/New_York"
    )
    assignment_reminders = models.BooleanField(
        _("send assignment reminders"),
        default=True,
        help_text=_(
            "The agency's policy: reminders of assigned training (due soon, due today, overdue) "
            "go to its learners, who cannot turn them off."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self) -> date:
        """The agency's date now, in its own time zone (due dates and overdue follow it)."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.timezone))


class AgencyDomain(models.Model):
    """An email domain that belongs to an agency: verified users of it join the agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Only a verified domain adds new users to the agency."),
    )

    class Meta:
        verbose_name = _("agency email domain")
        verbose_name_plural = _("agency email domains")
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")), name="agencydomain_domain_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's place in an agency, with the role they hold there."""

    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["agency__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency"], name="membership_user_agency_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["learner", "supervisor"]), name="membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.agency} ({self.get_role_display()})"


class MfaEnrollmentCode(models.Model):
    """A one-time code emailed to a user who must use MFA, before they add a first
    authenticator: knowing the password is not enough to enrol one (``accounts.services``).

    Only an HMAC of the code is kept, and only the SHA-256 of the random token that ties it to
    the browser session that asked for it. A code is good for a few minutes and a few tries,
    once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("sent to"))
    session_binding = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("MFA enrollment code")
        verbose_name_plural = _("MFA enrollment codes")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.email} at {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def binding_hash(binding: str) -> str:
        """What is stored of the session's token: its SHA-256."""
        return hashlib.sha256(binding.encode()).hexdigest()


class SignInLock(models.Model):
    """The failed sign-ins in a row for one account, and its lock once they reach the limit.

    Keyed by account, not by address: one client cannot lock a whole agency that signs in
    through one proxy, and a guesser who changes address keeps counting. An email that matches
    no account gets a row of its own (keyed by the email), counted and locked the same way, so
    the answers never tell a real account from an unknown one (``accounts.lockout``)."""

    key = models.CharField(_("key"), max_length=300, unique=True)  # user:<id> or email:<address>
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="sign_in_locks"
    )
    login = models.CharField(_("last login tried"), max_length=254, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("owner emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")
        indexes = [models.Index(fields=["last_failure_at"])]

    def __str__(self) -> str:
        return f"{self.login or self.key}: {self.failures} failed"

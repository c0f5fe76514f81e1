import secrets
from datetime import date, timedelta
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Words used by the action URLs beside module and component pages: no slug may take them.
RESERVED_SLUGS = frozenset(
    {"enrol", "resume", "advisory", "progress", "open", "media", "captions", "edit"}
)


def new_content_token() -> int:
    """A random value for ``Series.content_token`` (62 bits: any database's signed bigint)."""
    return secrets.randbits(62)


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is reserved; choose another slug."), params={"value": value}
        )


class Series(models.Model):
    """A training series, such as NCMEC's “Working with Victims and Survivors of CSAM”."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=255)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    topics = models.JSONField(_("topics covered"), default=list, blank=True)
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    credit_type = models.CharField(
        _("credit type"),
        max_length=60,
        blank=True,
        help_text=_("The kind of credit the hours count as, e.g. “POST CPT”."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Goes up whenever what a learner must complete changes (modules or required components
    # added, made optional or archived); a series completion records the version it was earned
    # under.
    version = models.PositiveIntegerField(_("content version"), default=1)
    # A new random value on every content change of the series (``courses.content._change``,
    # the one door for content writes): what the progress heartbeat's cached lookup of a
    # component is checked against, in the same statement that reads the learner's row. Random
    # rather than counted, so that a series created again (a restored backup, a rolled-back test)
    # never shows a value an older lookup was built with.
    content_token = models.BigIntegerField(_("content token"), default=new_content_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set by a content change that turned out to write nothing (an import of the same file), so
    # that courses.content._change keeps the content token.
    wrote_nothing = False
    # Set by the selectors for the pages: the learner's latest cycle, the preview's link.
    my_enrollment: "Enrollment | None"
    preview_url: str

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "archived"]),
                name="series_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_hours__gte=0), name="series_credit_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:series-detail", kwargs={"series_slug": self.slug})


def live_modules_q(prefix: str = "") -> models.Q:
    """Modules not archived, as a condition on the modules ``prefix`` leads to (e.g.
    ``"modules__"`` from a series): for annotations and lookups across a relation."""
    return models.Q(**{f"{prefix}archived_at__isnull": True})


def live_components_q(prefix: str = "") -> models.Q:
    """Components a learner meets: neither the component nor its module is archived, as a
    condition on the components ``prefix`` leads to (e.g. ``"components__"`` from a resource)."""
    return models.Q(
        **{f"{prefix}archived_at__isnull": True, f"{prefix}module__archived_at__isnull": True}
    )


class ModuleQuerySet(models.QuerySet["Module"]):
    def live(self) -> Self:
        """Modules not archived: what learners meet and authors edit."""
        return self.filter(live_modules_q())


class ComponentQuerySet(models.QuerySet["Component"]):
    def live(self) -> Self:
        """Components neither archived nor in an archived module: what learners meet."""
        return self.filter(live_components_q())

    def unarchived(self) -> Self:
        """Components not archived themselves, whatever their module. Inside a module already
        known to be live (a live module's list, a prefetch below live modules) it is ``live()``
        without the join to the module."""
        return self.filter(archived_at__isnull=True)


class Module(models.Model):
    """An ordered part of a series, with its own components."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(_("slug"), max_length=80, validators=[validate_not_reserved])
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveIntegerField(_("position"))
    summary = models.TextField(_("summary"), blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    objectives = models.JSONField(_("learning objectives"), default=list, blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=0)
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="unlocks",
        verbose_name=_("prerequisites"),
        help_text=_("Modules of the same series a learner must complete first."),
    )
    content_advisory = models.TextField(
        _("content advisory"),
        blank=True,
        help_text=_(
            "Shown once before the module opens, for material some learners find difficult."
        ),
    )
    # As the series' version, for the module's required components.
    version = models.PositiveIntegerField(_("content version"), default=1)
    # Removed by an author after learners worked in it: kept for their records, shown to nobody.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    objects = ModuleQuerySet.as_manager()

    preview_url: str  # set by the studio's preview for its links

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["series", "position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "slug"], name="module_series_slug_unique"),
            models.UniqueConstraint(
                fields=["series", "position"], name="module_series_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "courses:module-detail",
            kwargs={"series_slug": self.series.slug, "module_slug": self.slug},
        )


# The languages a video's captions may be in: the track's ``srclang`` and the name players show.
CAPTION_LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]


class Component(models.Model):
    """One piece of a module: a video, a document, a toolkit resource, a quiz, ..."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")
        RESOURCE = "resource", _("Toolkit resource")
        QUIZ = "quiz", _("Quiz")
        SURVEY = "survey", _("Survey / evaluation")
        CERTIFICATE = "certificate", _("Certificate")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="components")
    slug = models.SlugField(_("slug"), max_length=80, validators=[validate_not_reserved])
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    required = models.BooleanField(
        _("required"), default=True, help_text=_("Required components count towards completion.")
    )
    description = models.TextField(_("description"), blank=True)
    # document
    body = models.TextField(_("reading"), blank=True)
    # video
    video_file = models.FileField(_("video file"), upload_to="videos/", blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration in seconds"), null=True, blank=True)
    completion_threshold = models.PositiveSmallIntegerField(
        _("completion threshold (percent watched)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of distinct seconds a learner must watch. Empty: the site default."),
    )
    # A video in a published series has captions, a transcript or the author's word that it has
    # no speech (courses.content's guard: the rule needs the series' status, so no constraint).
    captions_file = models.FileField(
        _("captions (WebVTT)"),
        upload_to="captions/",
        blank=True,
        help_text=_("A .vtt file. Learners see the captions by default; they can turn them off."),
    )
    captions_language = models.CharField(
        _("language of the captions"),
        max_length=8,
        choices=CAPTION_LANGUAGES,
        default="en",
    )
    transcript = models.TextField(
        _("transcript"),
        blank=True,
        help_text=_(
            "Everything said, and what is shown that matters, as text. Learners open it under "
            "the video."
        ),
    )
    no_speech = models.BooleanField(
        _("this video has no speech"),
        default=False,
        help_text=_("Tick only when nothing is said: then it needs no captions or transcript."),
    )
    # resource
    resource = models.ForeignKey(
        "toolkit.Resource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=_("toolkit resource"),
    )
    # quiz
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (percent)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of questions a learner must answer correctly to pass."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 for unlimited.")
    )
    shuffle = models.BooleanField(
        _("shuffle questions and choices"),
        default=False,
        help_text=_("Each attempt shows the questions, and their choices, in a new order."),
    )
    # survey
    anonymous = models.BooleanField(
        _("anonymous answers"),
        default=False,
        help_text=_(
            "Answers carry no link to the learner (completion is still recorded); once a survey "
            "has answers this cannot be turned off."
        ),
    )
    # certificate
    certificate_title = models.CharField(
        _("certificate title"),
        max_length=255,
        blank=True,
        help_text=_("Printed on the certificate; empty: the series title."),
    )
    certificate_signatory = models.CharField(
        _("signed by"), max_length=200, blank=True, help_text=_("Name and role printed under it.")
    )
    # Removed by an author after learners worked in it: kept for their records, shown to nobody.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    objects = ComponentQuerySet.as_manager()

    preview_url: str  # set by the studio's preview for its links

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="component_module_slug_unique"),
            models.UniqueConstraint(
                fields=["module", "position"], name="component_module_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["video", "document", "resource", "quiz", "survey", "certificate"]
                ),
                name="component_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="resource") | models.Q(resource__isnull=False),
                name="component_resource_kind_has_resource",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="video")
                | (models.Q(duration_seconds__gt=0) & ~models.Q(video_file="")),
                name="component_video_kind_has_file_and_duration",
            ),
            models.CheckConstraint(
                condition=models.Q(completion_threshold__isnull=True)
                | models.Q(completion_threshold__gte=1, completion_threshold__lte=100),
                name="component_threshold_percent",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="quiz") | models.Q(pass_mark__gte=1, pass_mark__lte=100),
                name="component_quiz_has_pass_mark",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="certificate") | models.Q(required=False),
                name="component_certificate_not_required",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:component-detail", kwargs=self.url_kwargs())

    def url_kwargs(self) -> dict[str, str]:
        return {
            "series_slug": self.module.series.slug,
            "module_slug": self.module.slug,
            "component_slug": self.slug,
        }

    @property
    def needs_captions(self) -> bool:
        """A video with speech and neither captions nor a transcript: not publishable."""
        return (
            self.kind == self.Kind.VIDEO
            and not self.no_speech
            and not self.captions_file
            and not self.transcript.strip()
        )

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.RESOURCE and self.resource_id is None:
            errors["resource"] = _("Choose the toolkit resource this component opens.")
        if self.kind == self.Kind.VIDEO:
            if not self.video_file:
                errors["video_file"] = _("Upload the video file.")
            if not self.duration_seconds:
                errors["duration_seconds"] = _("Give the video's length in seconds.")
        if self.kind == self.Kind.CERTIFICATE and self.required:
            # It marks where the certificate is issued; nothing there for a learner to complete.
            errors["required"] = _("A certificate is never a required step: untick “required”.")
        if self.kind == self.Kind.QUIZ and not self.pass_mark:
            errors["pass_mark"] = _("Give the pass mark, in percent.")
        if errors:
            raise ValidationError(errors)

    @property
    def threshold(self) -> int:
        return self.completion_threshold or settings.LMS_VIDEO_COMPLETION_THRESHOLD


class AssignmentQuerySet(models.QuerySet):
    def live(self) -> "AssignmentQuerySet":
        """Assignments not cancelled: the ones that remind, refresh and reach new learners."""
        return self.filter(cancelled_at__isnull=True)


class Assignment(models.Model):
    """A supervisor's requirement that learners of an agency complete a series by a due date."""

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="assignments"
    )
    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="assignments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    everyone = models.BooleanField(
        _("whole agency"),
        default=False,
        help_text=_("Every learner of the agency, including those who join later."),
    )
    learners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assignments", verbose_name=_("learners")
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_in_days = models.PositiveIntegerField(_("due days after assignment"), null=True, blank=True)
    recurrence_months = models.PositiveSmallIntegerField(
        _("refresher every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A cancelled assignment sends no more reminders, opens no more refreshers and reaches no
    # new learner; its enrollments and their history stay.
    cancelled_at = models.DateTimeField(_("canceled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("canceled by"),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(due_on__isnull=False) & models.Q(due_in_days__isnull=True))
                | (models.Q(due_on__isnull=True) & models.Q(due_in_days__isnull=False)),
                name="assignment_one_due_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(recurrence_months__isnull=True)
                | models.Q(recurrence_months__gte=1, recurrence_months__lte=120),
                name="assignment_recurrence_range",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=False)
                | models.Q(cancelled_by__isnull=True),
                name="assignment_cancelled_by_only_when_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} for {self.agency}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def due_date_from(self, day: date) -> date:
        """The due date for a learner who receives the assignment on ``day``."""
        if self.due_on is not None:
            return self.due_on
        # The model's constraint: an assignment has a due date or a number of days.
        assert self.due_in_days is not None
        return day + timedelta(days=self.due_in_days)


class EnrollmentStatus(models.TextChoices):
    """Where a learner stands in an enrollment, as supervisors read it: completed, else overdue
    (its due date has passed), else in progress (started), else not started. The values are
    those of the agency's CSV export."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Overdue")

    @classmethod
    def behind_first(cls) -> list["EnrollmentStatus"]:
        """“Behind schedule first”: the order of the status column and the dashboard tiles."""
        return [cls.OVERDUE, cls.IN_PROGRESS, cls.NOT_STARTED, cls.COMPLETED]

    @property
    def rank(self) -> int:
        """The place of the status in ``behind_first()``, for sorting in the database."""
        return EnrollmentStatus.behind_first().index(self)


class Enrollment(models.Model):
    """A learner's cycle through a series: self-enrolled or assigned, with its own progress."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNED = "assigned", _("Assigned")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="enrollments")
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    # The learner's latest cycle of the series; exactly one per learner and series.
    is_current = models.BooleanField(_("current cycle"), default=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.SELF
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("assignment"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The series' content version the completion was earned under.
    completed_version = models.PositiveIntegerField(
        _("completed under version"), null=True, blank=True
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # A summary kept current by the progress service, so lists need no per-learner arithmetic.
    components_completed = models.PositiveIntegerField(
        _("required components completed"), default=0
    )
    percent_complete = models.PositiveSmallIntegerField(_("percent complete"), default=0)

    refresher_due: date | None  # set by courses.selectors.enrollments_for_home

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "series", "cycle"], name="enrollment_user_series_cycle_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=models.Q(completed_at__isnull=True),
                name="enrollment_one_open_cycle",
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=models.Q(is_current=True),
                name="enrollment_one_current_cycle",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=False) | models.Q(is_current=True),
                name="enrollment_open_cycle_is_current",
            ),
            models.CheckConstraint(
                condition=models.Q(percent_complete__lte=100), name="enrollment_percent_range"
            ),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | models.Q(percent_complete=100),
                name="enrollment_completed_is_full",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["self", "assigned"]), name="enrollment_source_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["series", "completed_at"]),
            # “Behind schedule first”: open enrollments by due date.
            models.Index(
                fields=["due_on"],
                condition=models.Q(completed_at__isnull=True),
                name="enrollment_open_due_idx",
            ),
            # Completions per week.
            models.Index(
                fields=["completed_at"],
                condition=models.Q(completed_at__isnull=False),
                name="enrollment_completed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.series} (cycle {self.cycle})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class Progress(models.Model):
    """One learner's state in one component, within one enrollment cycle."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="progress")
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.IN_PROGRESS
    )
    percent = models.PositiveSmallIntegerField(_("percent"), default=0)
    position_seconds = models.FloatField(_("resume position (seconds)"), default=0)
    # Distinct seconds of video watched, as sorted, merged [start, end) pairs of whole seconds.
    watched_ranges = models.JSONField(_("watched ranges"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the learner last had the video in front of them: credit cannot outrun this clock.
    clock_at = models.DateTimeField(_("playback clock"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        ordering = ["enrollment", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "component"], name="progress_enrollment_component_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="progress_percent_range"
            ),
            models.CheckConstraint(
                condition=models.Q(state="in_progress", completed_at__isnull=True)
                | models.Q(state="completed", completed_at__isnull=False),
                name="progress_completed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(position_seconds__gte=0), name="progress_position_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.user} – {self.component} ({self.get_state_display()})"

    @property
    def is_complete(self) -> bool:
        return self.state == self.State.COMPLETED


class ModuleCompletion(models.Model):
    """The fact that a learner completed a module in an enrollment cycle. Never undone."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="module_completions"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField(_("completed at"))
    # The module's content version when it was completed: later edits never undo it.
    content_version = models.PositiveIntegerField(_("content version"), default=1)

    class Meta:
        verbose_name = _("module completion")
        verbose_name_plural = _("module completions")
        ordering = ["enrollment", "completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "module"], name="modulecompletion_enrollment_module_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.user} completed {self.module}"


class AdvisoryAcknowledgement(models.Model):
    """A learner has read a module's content advisory; it is not shown to them again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisory_acknowledgements"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("content advisory acknowledgement")
        verbose_name_plural = _("content advisory acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module"], name="advisoryack_user_module_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.module}"


class Question(models.Model):
    """A question of a quiz (single or multiple choice) or of a survey (Likert, choice, text)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        LIKERT = "likert", _("Agreement scale (1–5)")
        TEXT = "text", _("Free text")

    QUIZ_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    SURVEY_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.LIKERT, Kind.TEXT)
    LIKERT_LABELS = {
        1: _("Strongly disagree"),
        2: _("Disagree"),
        3: _("Neither agree nor disagree"),
        4: _("Agree"),
        5: _("Strongly agree"),
    }

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField(_("key"), max_length=80, help_text=_("Stable key for import/export."))
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown after the learner submits.")
    )
    required = models.BooleanField(_("answer required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["component", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "slug"], name="question_component_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["component", "position"], name="question_component_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["single", "multiple", "likert", "text"]),
                name="question_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Choice(models.Model):
    """One answer offered by a choice question; quiz choices say whether they are correct."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(_("position"))
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"], name="choice_question_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    """One try at a quiz in an enrollment cycle: the order it was shown in, then its score."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="quiz_attempts")
    number = models.PositiveIntegerField(_("attempt"))
    # [[question id, [choice id, ...]], ...] as shown to the learner.
    layout = models.JSONField(_("order shown"), default=list)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (percent)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["enrollment", "component", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "component", "number"], name="quizattempt_number_unique"
            ),
            # At most one attempt open at a time per learner and quiz.
            models.UniqueConstraint(
                fields=["enrollment", "component"],
                condition=models.Q(submitted_at__isnull=True),
                name="quizattempt_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True, score__isnull=True, passed=False)
                | models.Q(submitted_at__isnull=False, score__isnull=False, score__lte=100),
                name="quizattempt_scored_when_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.user} – {self.component} (attempt {self.number})"


class QuizAnswer(models.Model):
    """What the learner chose for one question of an attempt, and whether it was right."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="quiz_answers")
    choices = models.ManyToManyField(Choice, related_name="+", blank=True)
    correct = models.BooleanField(_("correct"))

    class Meta:
        verbose_name = _("quiz answer")
        verbose_name_plural = _("quiz answers")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="quizanswer_attempt_question_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} – {self.question}"


class SurveyResponse(models.Model):
    """One submission of a survey. Anonymous surveys keep no link to the learner, and only the
    day of submission, so the answers cannot be matched to a completion time either."""

    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="survey_responses"
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    submitted_on = models.DateField(_("submitted on"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["component", "-submitted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "enrollment"],
                condition=models.Q(enrollment__isnull=False),
                name="surveyresponse_once_per_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"Response to {self.component} ({self.submitted_on})"


class SurveyAnswer(models.Model):
    """One answer of a survey response: a choice, a point on the scale, or words."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="survey_answers")
    choices = models.ManyToManyField(Choice, related_name="+", blank=True)
    scale = models.PositiveSmallIntegerField(
        _("agreement (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="surveyanswer_response_question_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="surveyanswer_scale_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} – {self.question}"

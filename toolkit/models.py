from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Resource(models.Model):
    """A document or site of the CAC resource toolkit that trainings point to."""

    class Folder(models.TextChoices):
        CSAM = "csam", _("Child Sexual Abuse Material")
        TRAFFICKING = "trafficking", _("Child Sex Trafficking")

    class Category(models.TextChoices):
        FACT_SHEETS = "fact_sheets", _("Fact Sheets")
        PROTOCOL_DEVELOPMENT = "protocol_development", _("Protocol Development")
        RESEARCH = "research", _("Research")
        SURVIVOR_CARE = "survivor_care", _("Survivor Care")
        TRAINING = "training", _("Training")

    class LinkStatus(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        OK = "ok", _("Working")
        REDIRECTED = "redirected", _("Working, redirected")
        BROKEN = "broken", _("Broken")
        # Loopback, private, link-local (cloud metadata) and the like: never fetched.
        INTERNAL = "internal", _("Not checked: internal address")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=255)
    source = models.CharField(_("source organization"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("external URL"), max_length=500)
    folder = models.CharField(_("folder"), max_length=20, choices=Folder.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    is_active = models.BooleanField(
        _("listed"), default=True, help_text=_("Retired resources are hidden from the toolkit.")
    )
    link_status = models.CharField(
        _("link status"), max_length=20, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED
    )
    link_checked_at = models.DateTimeField(_("link checked at"), null=True, blank=True)
    link_http_status = models.PositiveSmallIntegerField(
        _("link HTTP status"),
        null=True,
        blank=True,
        help_text=_("The status of the last answer; empty when the server never answered."),
    )
    link_final_url = models.URLField(
        _("link final URL"),
        max_length=2000,
        blank=True,
        help_text=_("Where the link's redirects end; empty when it was not redirected."),
    )
    link_error = models.CharField(_("link error"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("toolkit resource")
        verbose_name_plural = _("toolkit resources")
        ordering = ["folder", "category", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(folder__in=["csam", "trafficking"]),
                name="resource_folder_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    category__in=[
                        "fact_sheets",
                        "protocol_development",
                        "research",
                        "survivor_care",
                        "training",
                    ]
                ),
                name="resource_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    link_status__in=["unchecked", "ok", "redirected", "broken", "internal"]
                ),
                name="resource_link_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("toolkit:index") + f"#resource-{self.slug}"

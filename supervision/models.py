from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """An audit record of a supervisor's CSV export: who, when, which filters, how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_email = models.EmailField(_("exported by"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export audit record")
        verbose_name_plural = _("export audit log")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.user_email} exported {self.agency} at {self.started_at:%Y-%m-%d %H:%M}"

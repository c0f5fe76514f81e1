"""Writes of the agency's continuing-training rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Agency, User
from accounts.selectors import supervision_of
from certificates.models import TrainingRule
from courses.dashboard import dashboard_forget_on_commit


@transaction.atomic
def training_rule_set(
    *,
    by: User,
    agency: Agency,
    credit_type: str,
    hours_required: Decimal,
    cycle_months: int,
    cycle_ends_on: date,
) -> TrainingRule:
    """Set the agency's rule for ``credit_type`` (one per agency and credit type: a second call
    changes it). Supervisors of the agency and staff only. Validated by ``full_clean`` and the
    database's constraints; the dashboard's figures are forgotten on commit, so its tile shows
    the new rule at once."""
    if not (by.is_staff or supervision_of(user=by, agency=agency).exists()):
        raise PermissionDenied(gettext("Only the agency's supervisors set its training rule."))
    credit_type = credit_type.strip()
    rule = (
        TrainingRule.objects.select_for_update()
        .filter(agency=agency, credit_type=credit_type)
        .first()
    ) or TrainingRule(agency=agency, credit_type=credit_type)
    rule.hours_required = hours_required
    rule.cycle_months = cycle_months
    rule.cycle_ends_on = cycle_ends_on
    rule.updated_by = by
    rule.full_clean()
    rule.save()
    dashboard_forget_on_commit(agency)
    return rule


@transaction.atomic
def training_rule_delete(*, by: User, rule: TrainingRule) -> None:
    """Remove a rule (supervisors of its agency and staff only)."""
    if not (by.is_staff or supervision_of(user=by, agency=rule.agency).exists()):
        raise PermissionDenied(gettext("Only the agency's supervisors change its training rule."))
    agency = rule.agency
    rule.delete()
    dashboard_forget_on_commit(agency)

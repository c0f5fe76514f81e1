"""The agency dashboard's cached figures: where they are kept, and how to forget them.

The supervisor's dashboard (``supervision.selectors.dashboard``) fills this entry; the services
here in ``courses`` that change its figures (assignments) forget it after they commit. It lives
in ``courses`` because both need it and ``supervision`` sits above ``courses``: one definition of
the key, importable by either.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from accounts.models import Agency


def dashboard_key(agency: Agency) -> str:
    """The cache key of the agency's figures today."""
    # The agency's date is in the key: overdue changes at its midnight, not a minute later. The
    # version changes with the shape of what is kept (v2: the training-rule standings; v3: the
    # behind-schedule list as plain rows), so a deploy never reads an entry of the old shape.
    return f"agency-dashboard:v3:{agency.pk}:{agency.today().isoformat()}"


def dashboard_forget(agency: Agency) -> None:
    """Drop the agency's cached dashboard now."""
    cache.delete(dashboard_key(agency))


def dashboard_forget_on_commit(agency: Agency) -> None:
    """Drop the agency's cached dashboard once the surrounding transaction commits (at once
    outside one), so the next dashboard reads the committed change, never the old figures."""
    transaction.on_commit(lambda: dashboard_forget(agency))

"""Requests as the views read them: the user signed in, and what decorators set on top."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Agency, User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past the sign-in gate (``LoginRequiredMiddleware``): its user is a real one."""

    user: User  # narrower than HttpRequest's User | AnonymousUser


class SupervisorHttpRequest(AuthenticatedHttpRequest):
    """A request through ``supervision.views.supervisor_required``."""

    agencies: list[Agency]  # the agencies the user supervises, at least one
    agency: Agency  # the one chosen with ``?agency=<slug>``, else the first

"""/healthz: the database and the broker answer, or the load balancer hears 503."""

import os

import pytest
from django.db import OperationalError

from tests.conftest import services_required

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def embedded(settings):
    """The embedded default: no REDIS_URL, Celery tasks run eagerly in-process."""
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.fixture
def broker_url(settings):
    """Point the health check at a broker URL."""

    def point_at(url: str) -> None:
        settings.REDIS_URL = url
        settings.CELERY_BROKER_URL = url
        settings.CELERY_TASK_ALWAYS_EAGER = False

    return point_at


def test_healthz_is_ok_with_database_and_eager_broker(client, db, embedded):
    """With no broker configured, the check says so and answers 200."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_healthz_is_never_cached(client, db, embedded):
    """Load balancers always get a fresh answer."""
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_healthz_needs_no_sign_in_and_answers_get_only(client, db, embedded):
    """The check is public, and only GET is allowed."""
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_the_broker_is_unreachable(client, db, broker_url):
    """An unreachable Redis broker makes the check fail with 503, naming only the check."""
    broker_url(UNREACHABLE_REDIS)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
    assert b"127.0.0.1" not in response.content


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server at 10.0.0.5")


def test_healthz_is_503_when_the_database_fails(client, db, embedded, monkeypatch):
    """A database that does not answer makes the check fail with 503 and no details."""
    monkeypatch.setattr("lms.views.connection", _UnreachableDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "broker": "eager"}
    assert b"10.0.0.5" not in response.content


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and not services_required(),
    reason="needs a Redis broker: set REDIS_URL",
)
def test_healthz_is_ok_when_redis_answers(client, db, broker_url):
    """With a reachable Redis broker the check connects to it and answers 200."""
    broker_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


class _SessionInUnreachableDatabase:
    """A session whose store (the database) is away, as during a restart."""

    def get(self, key, default=None):
        raise OperationalError("the database system is shutting down")

    __getitem__ = get


def test_the_error_page_renders_while_the_database_is_away(rf):
    """The 500 page asks nothing of the database: with the session unreadable (what a database
    restart makes of every page), it still renders, instead of failing in turn."""
    from lms.views import server_error

    request = rf.get("/series/")
    request.session = _SessionInUnreachableDatabase()
    response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content

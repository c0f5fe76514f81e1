"""JSON bodies are read within bounds: the progress heartbeat and the studio order endpoints
answer 400 with a message to oversized, too deep or out-of-range input, and write nothing."""

import json
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import services
from courses.models import Component, Enrollment, Module, Progress
from lms.jsonbody import JsonBodyRefused, parse_json_body
from tests import factories

VIDEO_URL = "/series/working-with-survivors/understanding/intro-video/progress/"


def _post(client: Client, url: str, body: bytes | str) -> object:
    return client.post(url, data=body, content_type="application/json")


def _snapshot() -> list:
    """Every progress row and enrollment summary, to show a refused report wrote nothing."""
    progress = list(
        Progress.objects.order_by("pk").values_list(
            "pk", "watched_ranges", "percent", "position_seconds", "state", "updated_at"
        )
    )
    enrollments = list(Enrollment.objects.order_by("pk").values_list("pk", "last_activity_at"))
    return [progress, enrollments]


def _positions(module: Module) -> list[tuple[int, int]]:
    return list(module.components.order_by("pk").values_list("pk", "position"))


@pytest.fixture
def learner_client(client, learner, series) -> Client:
    services.enrollment_create(user=learner, series=series)
    video = Component.objects.select_related("module__series").get(slug="intro-video")
    services.progress_start(
        user=learner, component=video, now=timezone.now() - timedelta(seconds=60)
    )
    client.force_login(learner)
    return client


@pytest.fixture
def author_client(series) -> Client:
    client = Client()
    client.force_login(factories.author(email="author@example.org"))
    return client


@pytest.fixture
def module(series) -> Module:
    return series.modules.get(slug="understanding")


def _order_url(module: Module) -> str:
    return f"/studio/modules/{module.pk}/components/order/"


HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()
LARGE = "9" * 400  # an int Python builds, but float() overflows on

BAD_PROGRESS_BODIES = [
    pytest.param("[" * 100_000, "larger than", id="100k-nested-lists"),
    pytest.param("[" * 1000 + "]" * 1000, "nests deeper", id="1000-nested-lists"),
    pytest.param('{"watched": [[[[[[[[[0]]]]]]]]]}', "nests deeper", id="nested-in-watched"),
    pytest.param('{"position": 1e400}', "out of range", id="position-1e400"),
    pytest.param('{"position": -1e400}', "out of range", id="position-minus-1e400"),
    pytest.param('{"position": ' + HUGE + "}", "out of range", id="position-5000-digits"),
    pytest.param('{"position": ' + LARGE + "}", "out of range", id="position-400-digits"),
    pytest.param('{"position": NaN}', "NaN", id="position-nan"),
    pytest.param('{"position": Infinity}', "Infinity", id="position-infinity"),
    pytest.param('{"watched": [[0, 1e400]]}', "out of range", id="watched-1e400"),
    pytest.param('{"watched": [[0, ' + LARGE + "]]}", "out of range", id="watched-400-digits"),
    pytest.param('{"watched": [], "note": "' + ("a" * 70_000) + '"}', "larger than", id="70kB"),
    pytest.param(b"\xff\xfe{}", "not UTF-8", id="not-utf8"),
    pytest.param('{"position": "1\x00"}', "not valid JSON", id="null-byte"),
]


@pytest.mark.parametrize(("body", "fragment"), BAD_PROGRESS_BODIES)
def test_unreadable_heartbeat_is_400_and_writes_nothing(learner_client, body, fragment):
    """Huge numbers, deep nesting and oversized bodies are a 400 with a message, not a 500."""
    before = _snapshot()
    response = _post(learner_client, VIDEO_URL, body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert _snapshot() == before


@pytest.mark.parametrize("position", ["inf", "-inf", "nan", LARGE])
def test_form_position_that_is_not_finite_is_refused(learner_client, position):
    """The form-encoded report is held to the same rule: seconds are a finite number."""
    before = _snapshot()
    url = "/series/working-with-survivors/understanding/reading/progress/"
    response = learner_client.post(url, {"position": position})
    assert response.status_code == 302  # the document page, with the message
    assert _snapshot() == before


def test_a_normal_heartbeat_is_still_recorded(learner_client):
    """A well-formed report within the bounds is accepted as before."""
    body = json.dumps({"watched": [[0, 30]], "position": 30.5})
    response = _post(learner_client, VIDEO_URL, body)
    assert response.status_code == 200
    progress = Progress.objects.get(component__slug="intro-video")
    assert progress.watched_ranges == [[0, 30]] and progress.position_seconds == 30.5


BAD_ORDER_BODIES = [
    pytest.param("[" * 100_000, id="100k-nested-lists"),
    pytest.param('{"order": ' + ("[" * 50 + "]" * 50) + "}", id="nested-order"),
    pytest.param('{"order": [1e400]}', id="1e400"),
    pytest.param('{"order": [' + HUGE + "]}", id="5000-digits"),
    pytest.param('{"order": [' + ("9" * 30) + "]}", id="30-digits"),
    pytest.param('{"order": ["' + HUGE + '"]}', id="5000-digit-string"),
    pytest.param('{"order": [1.5, 2.5]}', id="floats"),
    pytest.param('{"order": [true, false]}', id="booleans"),
    pytest.param('{"order": [-1, 0]}', id="not-positive"),
    pytest.param('{"order": "12"}', id="string"),
    pytest.param('{"order": null}', id="null"),
    pytest.param('{"order": [[1], [2]]}', id="lists"),
    pytest.param("[1, 2]", id="not-an-object"),
    pytest.param('{"order": [NaN]}', id="nan"),
]


@pytest.mark.parametrize("body", BAD_ORDER_BODIES)
def test_unreadable_order_is_400_and_changes_nothing(author_client, module, body):
    """The drag-and-drop order endpoint refuses what it cannot read, without moving anything."""
    before = _positions(module)
    response = _post(author_client, _order_url(module), body)
    assert response.status_code == 400
    assert "order could not be read" in response.json()["error"]
    assert _positions(module) == before


@pytest.mark.parametrize("value", [HUGE, "9" * 30, "-3", "0", "1e5"])
def test_unreadable_form_order_is_400_and_changes_nothing(author_client, module, value):
    """The htmx (form-encoded) order is held to the same rule: positive 64-bit ids."""
    before = _positions(module)
    response = author_client.post(
        _order_url(module), {"order": [value]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert _positions(module) == before


def test_series_order_refuses_deep_nesting(author_client, series):
    """The module order endpoint reads its body through the same parser."""
    url = f"/studio/series/{series.slug}/modules/order/"
    assert _post(author_client, url, "[" * 100_000).status_code == 400


def test_a_good_json_order_is_still_saved(author_client, module):
    """A well-formed order within the bounds is saved as before."""
    ids = list(module.components.order_by("position").values_list("pk", flat=True))
    response = _post(author_client, _order_url(module), json.dumps({"order": ids[::-1]}))
    assert response.json() == {"saved": True}
    assert list(module.components.order_by("position").values_list("pk", flat=True)) == ids[::-1]


def test_declared_length_over_the_limit_is_refused_before_reading():
    """Content-Length alone is enough to refuse: the body is never read."""
    request = RequestFactory().post("/", data="{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(10**9)
    with pytest.raises(JsonBodyRefused, match="larger than"):
        parse_json_body(request)


def test_brackets_inside_strings_do_not_count_as_nesting():
    """Depth is counted on the structure only; escaped quotes do not end a string."""
    body = json.dumps({"note": '[[[[[[[[[[\\"[[[[[[[['})
    request = RequestFactory().post("/", data=body, content_type="application/json")
    assert parse_json_body(request, max_depth=2) == {"note": '[[[[[[[[[[\\"[[[[[[[['}


# Fuzz ------------------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**17, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_objects = st.fixed_dictionaries(
    {}, optional={"watched": _values, "position": _values, "order": _values, "extra": _values}
)
_raw = (
    st.integers(min_value=1, max_value=120_000).map(lambda n: "[" * n)
    | st.integers(min_value=1, max_value=6_000).map(lambda n: '{"position": ' + ("9" * n) + "}")
    | st.integers(min_value=1, max_value=6_000).map(lambda n: '{"order": [' + ("7" * n) + "]}")
    | st.text(max_size=60)
    | st.binary(max_size=60)
)
BODIES = (
    _objects.map(lambda v: json.dumps(v, allow_nan=True))
    | _values.map(lambda v: json.dumps(v, allow_nan=True))
    | _raw
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=BODIES)
def test_fuzzed_heartbeat_never_answers_5xx(learner_client, body):
    """Whatever JSON-ish body a client sends to the progress endpoint, the answer is not a 500."""
    response = _post(learner_client, VIDEO_URL, body)
    assert response.status_code < 500


@FUZZ
@given(body=BODIES)
def test_fuzzed_order_never_answers_5xx(author_client, module, body):
    """Whatever JSON-ish body an author's browser sends as an order, the answer is not a 500,
    and a refused order moves nothing."""
    before = _positions(module)
    response = _post(author_client, _order_url(module), body)
    assert response.status_code < 500
    if response.status_code != 200:
        assert _positions(module) == before

import copy
import json

import pytest

from courses.content import series_import
from courses.importing import ImportRefused
from courses.management.commands.seed_demo import DATA
from courses.models import Component, Module, Series
from toolkit.services import resource_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    for resource in json.loads((DATA / "toolkit.json").read_text())["resources"]:
        resource_upsert(**resource)
    path = DATA / "series" / "working-with-victims-and-survivors-of-csam.json"
    return json.loads(path.read_text())


def test_import_creates_the_seed_series_as_the_seed_describes(document):
    """Two modules in order, two components each, the second building on the first."""
    series, changed = series_import(document)
    assert changed
    assert series.title == "Working with Victims and Survivors of CSAM for Law Enforcement"
    modules = list(series.modules.order_by("position"))
    assert [m.title for m in modules] == [
        "Understanding CSAM and Its Impacts",
        "Making First Contact and Victim Communication in CSAM Cases",
    ]
    assert [m.components.count() for m in modules] == [2, 2]
    assert list(modules[1].prerequisites.all()) == [modules[0]]
    kinds = set(Component.objects.values_list("kind", flat=True))
    assert kinds == {"video", "document", "resource"}


def test_importing_twice_changes_nothing(document):
    """The second import reports no change and leaves rows untouched."""
    series, _ = series_import(document)
    stamp = Series.objects.get(pk=series.pk).updated_at
    _, changed = series_import(copy.deepcopy(document))
    assert not changed
    assert Series.objects.get(pk=series.pk).updated_at == stamp


def test_import_updates_by_slug_and_reorders(document):
    """A changed title and a swapped module order update the same rows."""
    series, _ = series_import(document)
    ids = dict(Module.objects.values_list("slug", "pk"))
    changed = copy.deepcopy(document)
    changed["series"]["title"] = "Renamed"
    changed["series"]["modules"].reverse()
    changed["series"]["modules"][1]["prerequisites"] = []
    changed["series"]["modules"][0]["prerequisites"] = []
    series_import(changed)
    series.refresh_from_db()
    assert series.title == "Renamed"
    assert dict(Module.objects.values_list("slug", "pk")) == ids
    assert list(series.modules.order_by("position").values_list("slug", flat=True)) == [
        m["slug"] for m in changed["series"]["modules"]
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("format"), "format"),
        (lambda d: d["series"].pop("title"), "series.title: missing"),
        (lambda d: d["series"].update(status="live"), "series.status"),
        (lambda d: d["series"].update(credit_type=24), "series.credit_type"),
        (lambda d: d["series"].update(credit_type="x" * 61), "series.credit_type"),
        (lambda d: d["series"]["modules"][0].update(estimated_minutes=-1), "estimated_minutes"),
        (
            lambda d: d["series"]["modules"][0]["components"][0].update(kind="game"),
            "series.modules[0].components[0].kind",
        ),
        (
            lambda d: d["series"]["modules"][1]["components"][1].update(resource="nope"),
            "series.modules[1].components[1].resource",
        ),
        (
            lambda d: d["series"]["modules"][0]["components"][0].update(video_file="x.webm"),
            "video_file",
        ),
        (
            lambda d: d["series"]["modules"][1].update(prerequisites=["missing"]),
            "series.modules[1].prerequisites",
        ),
        (
            lambda d: d["series"]["modules"][0]["components"].append(
                dict(d["series"]["modules"][0]["components"][0])
            ),
            "appears twice",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_field_and_changes_nothing(document, mutate, message):
    """Validation names the offending field and nothing is written."""
    mutate(document)
    with pytest.raises(ImportRefused, match=message.replace("[", r"\[").replace("]", r"\]")):
        series_import(document)
    assert not Series.objects.exists()

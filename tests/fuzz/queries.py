"""The query-string parameters the project reads, with values that make sense for them, and the
forms it builds from ``request.GET``; ``test_coverage`` checks both lists against the code."""

from __future__ import annotations

from hypothesis import strategies as st

from accounts.models import Agency
from certificates.models import TrainingRule
from courses.forms import CatalogSearchForm
from courses.models import Component, EnrollmentStatus, Series
from studio.forms.toolkit import StudioToolkitSearchForm
from supervision.forms import COMPLIANCE_SORTS, ComplianceFilterForm, LearnerFilterForm
from supervision.selectors import SORTS
from tests.fuzz.strategies import ALL_KINDS, SPECIAL_URLS, FieldSpec, form_pairs
from toolkit.forms import ToolkitSearchForm
from toolkit.models import Resource

# Every form the project fills from a query string (test_coverage finds them in the code).
QUERY_FORMS = (
    LearnerFilterForm,
    ComplianceFilterForm,
    ToolkitSearchForm,
    StudioToolkitSearchForm,
    CatalogSearchForm,
)


def _sorts(keys) -> tuple[str, ...]:
    return (*keys, *(f"-{k}" for k in keys))


def query_specs() -> list[FieldSpec]:
    """One spec per parameter any page reads (call with the database ready)."""
    dates = ("2024-01-01", "2025-06-30", "2026-12-31", "0001-01-01", "9999-12-31")
    return [
        FieldSpec("agency", "choice", choices=tuple(Agency.objects.values_list("slug", flat=True))),
        FieldSpec("q", "text", max_length=200),
        FieldSpec(
            "series",
            "choice",
            choices=(
                *(str(pk) for pk in Series.objects.values_list("pk", flat=True)),
                *Series.objects.values_list("slug", flat=True),
            ),
        ),
        FieldSpec("status", "choice", choices=tuple(EnrollmentStatus.values)),
        FieldSpec("overdue", "bool"),
        FieldSpec("sort", "choice", choices=_sorts(SORTS) + _sorts(COMPLIANCE_SORTS)),
        FieldSpec("page", "choice", choices=("1", "2", "last", "0", "-1", "999999")),
        FieldSpec("show", "choice", choices=("unenrolled",)),
        FieldSpec(
            "back",
            "text",
            valid=st.sampled_from(
                ["q=ann&status=overdue", "page=2&sort=-due", "series=1&overdue=1"]
            ),
        ),
        FieldSpec(
            "rule",
            "choice",
            choices=tuple(str(pk) for pk in TrainingRule.objects.values_list("pk", flat=True)),
        ),
        FieldSpec("standing", "choice", choices=("meets", "short")),
        FieldSpec("from", "date", valid=st.sampled_from(dates)),
        FieldSpec("to", "date", valid=st.sampled_from(dates)),
        FieldSpec("kind", "choice", choices=tuple(Component.Kind.values)),
        FieldSpec("question", "int", min_value=1, max_value=10**6),
        FieldSpec("folder", "choice", choices=tuple(Resource.Folder.values)),
        FieldSpec("category", "choice", choices=tuple(Resource.Category.values)),
        FieldSpec("link_status", "choice", choices=tuple(Resource.LinkStatus.values)),
        FieldSpec("state", "choice", choices=("listed", "retired")),
        FieldSpec("next", "url", valid=st.sampled_from(["/", "/agency/", *SPECIAL_URLS])),
    ]


RAW_QUERIES = (
    "a=%ff%fe&b=%00",
    "%%%&&&===",
    "from=%ff&to=%c0%af",
    "agency=" + "x" * 10_000,
    "&".join(f"f{i}=1" for i in range(1200)),  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
    "series[]=1&series[]=2",
    "from=2024-01-01&from=2025-01-01&to=",
)


@st.composite
def query_pairs(draw: st.DrawFn, specs: list[FieldSpec]):
    """A handful of the parameters, valid or hostile; the others left out."""
    chosen = draw(
        st.lists(st.sampled_from(specs), unique_by=lambda s: s.name, min_size=1, max_size=5)
    )
    # Every parameter is text the client typed: any of them may carry a NUL byte. Filters are
    # read leniently, so hostile values are where the bugs are: fewer all-valid queries.
    modes = ("valid", "poisoned", "poisoned", "one", "some", "all")
    return draw(form_pairs(chosen, poison_kinds=ALL_KINDS, modes=modes))

"""The profile's and the certificates' rows of the role-by-URL matrix (tests/test_url_matrix.py
merges them).

The seed's completed learners hold certificates issued with their completions: Liam Walsh of the
Demo Police Department, Casey Porter of the Neighbouring Sheriff's Office (the
``learner_other_agency`` role). A PDF opens for its learner, the supervisors of the learner's
agency and staff; everyone else signed in gets 404, the same as for a code that does not exist;
anonymous users are sent to sign in first (nothing about the code is looked at).
"""

from __future__ import annotations

from collections.abc import Callable

from certificates.models import Certificate
from tests.test_url_matrix import LOGIN, Case, World, everyone, roles, signed_in

NO_SUCH_CODE = "no-such-certificate-code"


def _code_of(email: str) -> Callable[[World], dict]:
    return lambda w: {"code": Certificate.objects.get(user__email=email).code}


def _no_such_code(w: World) -> dict:
    return {"code": NO_SUCH_CODE}


DEMO_PD_CERTIFICATE = _code_of("hannah.brooks@example.com")  # completed once
SHERIFF_CERTIFICATE = _code_of("casey.porter@example.com")

CERTIFICATES: dict[str, list[Case]] = {
    # A POST without data shows the form again with its errors (nothing is saved).
    "accounts:profile": [Case(signed_in(200)), Case(signed_in(200), method="post")],
    "certificates:list": [Case(signed_in(200))],
    "certificates:pdf": [
        Case(
            roles(
                anonymous=LOGIN,
                learner=404,
                learner_other_agency=404,
                supervisor=200,
                supervisor_other_agency=404,
                author=404,
                staff=200,
            ),
            DEMO_PD_CERTIFICATE,
            label="demo-pd",
        ),
        Case(
            roles(
                anonymous=LOGIN,
                learner=404,
                learner_other_agency=200,
                supervisor=404,
                supervisor_other_agency=200,
                author=404,
                staff=200,
            ),
            SHERIFF_CERTIFICATE,
            label="sheriff",
        ),
        Case(signed_in(404), _no_such_code, label="unknown"),
    ],
    # Public: whoever holds the code sees whether it is valid; an unknown code is a 404.
    "certificates:verify": [
        Case(everyone(200), SHERIFF_CERTIFICATE),
        Case(everyone(404), _no_such_code, label="unknown"),
    ],
}

"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential``, signed as a VC-JWT.

The shape follows Open Badges 3.0 on the Verifiable Credentials Data Model 2.0 (its final form,
the one whose context is ``context-3.0.3.json``), and its JSON Web Token proof format (section
8.2): the JWT payload *is* the credential, its members at the top level (no ``vc`` claim, which
was the VCDM 1.1 form), with the claims ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``nbf`` =
``validFrom`` and ``sub`` = ``credentialSubject.id``; the JOSE header holds ``alg``, ``kid`` and
``typ`` "JWT" and nothing else (the section allows no other header).

Everything in the credential comes from the certificate as it was issued (name, title, provider,
date, hours), so the same certificate always gives the same credential.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from joserfc import jwt
from joserfc.errors import SecurityWarning

from certificates.models import Certificate
from certificates.signing import ALGORITHM, key_id, signing_keys

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _base_url() -> str:
    return settings.LMS_BASE_URL.rstrip("/")


def issuer_id() -> str:
    """The site is the issuer: it signs, whoever provided the training."""
    return f"{_base_url()}/"


def verification_url(certificate: Certificate) -> str:
    """The public verification page, also the credential's ``id``. A literal, not a reverse():
    it is an outside contract (README), printed on PDFs and signed into credentials, that
    must not move when routes are reorganised."""
    return f"{_base_url()}/certificates/verify/{certificate.code}/"


def subject_id(certificate: Certificate) -> str:
    """A stable identifier of the learner in this site's namespace that names no email: the
    same for all of a learner's credentials, so an agency receiving a transferring officer's
    credentials sees they belong to one person."""
    site = uuid.uuid5(uuid.NAMESPACE_URL, issuer_id())
    return f"urn:uuid:{uuid.uuid5(site, f'learner:{certificate.user_id}')}"


def _provider_id(provider: str) -> str:
    site = uuid.uuid5(uuid.NAMESPACE_URL, issuer_id())
    return f"urn:uuid:{uuid.uuid5(site, f'provider:{provider}')}"


def _timestamp(moment: datetime) -> datetime:
    """Whole seconds in UTC: ``nbf`` is whole seconds and must equal ``validFrom``."""
    return moment.astimezone(UTC).replace(microsecond=0)


def _hours(certificate: Certificate) -> float:
    return float(certificate.credit_hours)


def _hours_text(certificate: Certificate) -> str:
    hours = f"{certificate.credit_hours.normalize():f}"
    kind = f" {certificate.credit_type}" if certificate.credit_type else ""
    return f"{hours}{kind} credit hour{'' if certificate.credit_hours == 1 else 's'}"


def credential_payload(certificate: Certificate) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` for this certificate (unsigned)."""
    valid_from = _timestamp(certificate.issued_at)
    provided = f", provided by {certificate.provider}" if certificate.provider else ""
    achievement: dict[str, Any] = {
        "id": f"{_base_url()}{certificate.series.get_absolute_url()}",
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": certificate.series_title,
        "description": (
            f"Completion of the training series “{certificate.series_title}”{provided}, "
            f"for {_hours_text(certificate)}."
        ),
        "criteria": {
            "narrative": (
                "Every required component of the series completed: videos watched, documents "
                "read and acknowledged, quizzes passed, surveys submitted and resources opened."
            )
        },
        "creditsAvailable": _hours(certificate),
    }
    if certificate.provider:
        achievement["creator"] = {
            "id": _provider_id(certificate.provider),
            "type": ["Profile"],
            "name": certificate.provider,
        }
    if certificate.credit_type:
        achievement["tag"] = [certificate.credit_type]
    return {
        "@context": CONTEXT,
        "id": verification_url(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.series_title}: certificate of completion",
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": settings.LMS_CREDENTIAL_ISSUER_NAME,
            "url": issuer_id(),
        },
        "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": subject_id(certificate),
            "type": ["AchievementSubject"],
            "name": certificate.learner_name,
            # Open Badges' own way to name the recipient, for displayers that read only it.
            "identifier": [
                {
                    "type": ["IdentityObject"],
                    "identityType": "name",
                    "identityHash": certificate.learner_name,
                    "hashed": False,
                }
            ],
            "achievement": achievement,
            "activityEndDate": certificate.completed_on.isoformat(),  # the agency's date
            "creditsEarned": _hours(certificate),
            "result": [{"type": ["Result"], "status": "Completed"}],
        },
    }


def credential_jwt(certificate: Certificate) -> str:
    """The credential signed with the site's key as a compact JWS (VC-JWT)."""
    payload = credential_payload(certificate)
    valid_from = _timestamp(certificate.issued_at)
    claims = {
        **payload,
        "iss": payload["issuer"]["id"],
        "jti": payload["id"],
        "sub": payload["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
        "iat": int(valid_from.timestamp()),
    }
    key = signing_keys().signing
    header = {"alg": ALGORITHM, "kid": key_id(key), "typ": "JWT"}
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; verifiers (PyJWT, most
        # wallets, the Open Badges tools) know only "EdDSA", so that is the name we sign with.
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM])

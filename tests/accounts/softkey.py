"""A software WebAuthn authenticator for the server-side tests: an EC P-256 key pair that
answers the creation and request options a page hands its JavaScript, as a browser and a key
would (packed "none" attestation, user presence and verification flags, a signature counter).
Built on fido2's own data classes; nothing in allauth or fido2 is mocked."""

from __future__ import annotations

import hashlib
import json
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAG = AuthenticatorData.FLAG


def page_data(html: str, element_id: str = "js_data") -> dict:
    """The JSON a page hands allauth's script (``json_script``)."""
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no #{element_id} data on the page"
    return json.loads(match.group(1))


class SoftKey:
    def __init__(self, origin: str = "http://localhost") -> None:
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.user_handle: str | None = None

    def _flags(self, verified: bool) -> FLAG:
        return FLAG.UP | (FLAG.UV if verified else FLAG(0))

    def create(self, creation_options: dict, *, passkey: bool = False) -> dict:
        """The credential ``navigator.credentials.create`` returns, as webauthn-json encodes it."""
        options = creation_options["publicKey"]
        rp_id = options["rp"]["id"]
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=options["challenge"], origin=self.origin
        )
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            self._flags(verified=True) | FLAG.AT,
            self.counter,
            credential,
        )
        if passkey:  # a resident credential: it carries the user's handle
            self.user_handle = options["user"]["id"]
        attestation = AttestationObject.create("none", auth_data, {})
        raw_id = websafe_encode(self.credential_id)
        return {
            "id": raw_id,
            "rawId": raw_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": client_data.b64,
                "attestationObject": websafe_encode(attestation),
            },
            "clientExtensionResults": {"credProps": {"rk": passkey}},
        }

    def get(self, request_options: dict) -> dict:
        """The assertion ``navigator.credentials.get`` returns, signed with the key."""
        options = request_options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.get", challenge=options["challenge"], origin=self.origin
        )
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(options["rpId"].encode()).digest(),
            self._flags(verified=True),
            self.counter,
        )
        signed = bytes(auth_data) + hashlib.sha256(client_data).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        raw_id = websafe_encode(self.credential_id)
        return {
            "id": raw_id,
            "rawId": raw_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": client_data.b64,
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
        }

"""The gate for work other than HTTP requests: proofs that only the function's owner can make.

An HTTP client can shape an event (Kong's ``aws-lambda`` plugin at its
defaults and API Gateway REST non-proxy integrations hand the client's own
JSON to the function), so an event that asks the function to run something
(a management command, a task) must carry a proof: the HMAC-SHA256 of the
kind of work and its exact payload, under a random key that lives only in
the function's environment variables. ``lambda_deploy`` makes the key on the
first deploy and keeps it afterwards; whoever may read the function's
configuration (``lambda:GetFunctionConfiguration``) can make proofs, nobody
else can. A proof is static, so it also fits an EventBridge Scheduler
input, and a leaked proof only reruns the one payload it was made for.

Standard library only, so that the handler can import it for the odd event
without slowing the HTTP path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

# The function's environment variable that holds the key.
KEY_VARIABLE = "DJANGO_LAMBDA_KEY"
# The event key that carries the proof, next to the work it proves.
PROOF_FIELD = "proof"


def new_key() -> str:
    """A fresh random key (256 bits), as an environment variable's value."""
    return secrets.token_urlsafe(32)


def key_from(environ: Mapping[str, str] = os.environ) -> str | None:
    """The function's key, or None if it has none (deployed without one, or never deployed)."""
    return environ.get(KEY_VARIABLE) or None


def payload_bytes(kind: str, payload: Any) -> bytes:
    """What a proof covers: the kind of work, then the payload, exactly.

    A str is taken as it is (a command line); anything else as JSON with
    sorted keys and no spaces, so a task's arguments sign the same wherever
    they were serialised.
    """
    text = (
        payload
        if isinstance(payload, str)
        else json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    )
    return kind.encode("utf-8") + b"\n" + text.encode("utf-8", "surrogatepass")


def make_proof(key: str, kind: str, payload: Any) -> str:
    """The proof for ``payload`` as ``kind`` of work (``"manage"``, ``"task"``), in hex."""
    return hmac.new(key.encode("utf-8"), payload_bytes(kind, payload), hashlib.sha256).hexdigest()


def verify_proof(key: str, kind: str, payload: Any, proof: Any) -> bool:
    """Whether ``proof`` is the proof of ``payload`` as ``kind``, compared in constant time."""
    if type(proof) is not str or not proof.isascii():
        return False
    return hmac.compare_digest(make_proof(key, kind, payload), proof)


def refusal(
    event: Mapping[str, Any],
    *,
    kind: str,
    payload: Any,
    keys: tuple[str, ...],
    name: str,
    what: str,
    remedy: str,
) -> str | None:
    """Why ``event`` (a ``name`` holding only ``keys``) does not prove ``payload`` as ``kind``
    of work, or None if it does; ``what`` names the payload and ``remedy`` says how such
    events are made. Never names the key or the proof."""
    extra = sorted(map(str, set(event) - set(keys)))
    if extra:
        allowed = " and ".join([", ".join(map(repr, keys[:-1])), repr(keys[-1])])
        return f"{name} holds only {allowed}, and this one also has {', '.join(extra)}."
    key = key_from()
    if key is None:
        return (
            f"the function has no {KEY_VARIABLE} environment variable to check proofs "
            "with. lambda_deploy sets one; deploy again."
        )
    if PROOF_FIELD not in event:
        return f"the event carries no proof. {remedy}"
    if not verify_proof(key, kind, payload, event[PROOF_FIELD]):
        return f"the event's proof is not the one for {what} and this function's key. {remedy}"
    return None

"""Schemathesis hooks for scripts/schemathesis.sh.

The fuzzer authenticates with one admin key. `DELETE /v1/api-keys/{api_key_id}` may be
given that key's own id (the stateful phase finds it in `GET /v1/api-keys`), after which
every other operation can only answer 401. Revoking one's own key is correct behaviour,
not a finding, so that one id is swapped for a well-formed unknown one (a 404).

`DELETE /v1/project?confirm=<name>` deletes the fuzzer's own project when `confirm` is its
name ("Fuzzing"); that value is swapped for another name (a 422), for the same reason.

Hypothesis draws the same few `Idempotency-Key` values (" ", "0") over and over. The first
request with a key stores its response; every later, different body with that key is a
correct `409 idempotency_conflict` that never reaches the write path, so most of
`createEvent`'s valid examples tested nothing but the conflict. A schema-valid key is
therefore made unique per request (a counter appended; still printable ASCII, at most
255 characters). Keys that break the contract (negative cases) are sent as drawn.
"""

import itertools
import os
import re

import schemathesis
from schemathesis import GenerationMode

OWN_KEY_ID = os.environ.get("FUZZ_OWN_KEY_ID", "")
OWN_PROJECT_NAME = "Fuzzing"
UNKNOWN_KEY_ID = "key_" + "0" * 26
IDEMPOTENCY_KEY = "Idempotency-Key"
VALID_KEY = re.compile(r"^[\x20-\x7E]{1,255}$")
_requests = itertools.count(1)


def _unique_idempotency_key(case):
    headers = case.headers or {}
    value = headers.get(IDEMPOTENCY_KEY)
    meta = case.meta
    if not isinstance(value, str) or not VALID_KEY.fullmatch(value):
        return
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return
    suffix = f"~{next(_requests)}"
    headers[IDEMPOTENCY_KEY] = value[: 255 - len(suffix)] + suffix


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _unique_idempotency_key(case)
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/v1/project":
        query = case.query or {}
        if query.get("confirm") == OWN_PROJECT_NAME:
            query["confirm"] = OWN_PROJECT_NAME + " (kept)"
        return
    if case.operation.method.upper() != "DELETE" or case.operation.path != "/v1/api-keys/{api_key_id}":
        return
    if OWN_KEY_ID and (case.path_parameters or {}).get("api_key_id") == OWN_KEY_ID:
        case.path_parameters["api_key_id"] = UNKNOWN_KEY_ID

"""Schemathesis hooks for scripts/schemathesis.sh.

The fuzzer authenticates with one admin key. `DELETE /v1/api-keys/{api_key_id}` may be
given that key's own id (the stateful phase finds it in `GET /v1/api-keys`), after which
every other operation can only answer 401. Revoking one's own key is correct behaviour,
not a finding, so that one id is swapped for a well-formed unknown one (a 404).

`DELETE /v1/project?confirm=<name>` deletes the fuzzer's own project when `confirm` is its
name, which the fuzzer itself may have set (`PATCH /v1/project`): `confirm` is always sent
as a single space, which no project name can be (a 422), for the same reason.

Hypothesis draws the same few `Idempotency-Key` values (" ", "0") over and over. The first
request with a key stores its response; every later, different body with that key is a
correct `409 idempotency_conflict` that never reaches the write path, so most of
`createEvent`'s valid examples tested nothing but the conflict. A schema-valid key is
therefore made unique per request (a counter appended; still printable ASCII, at most
255 characters). Keys that break the contract (negative cases) are sent as drawn.

The contract refuses integers beyond ±(2^53 − 1) written out in full anywhere in a JSON body
(openapi.yaml, I-JSON: a double would lose their digits), which no JSON Schema can state:
it cannot tell `1e30`, which is accepted, from the same integer written out. Hypothesis
draws such integers inside free-form objects (`metadata`, `metadata_schema`), so in a
schema-valid case each one is brought to the nearest integer the contract accepts.

For the same reason, `PUT /v1/actions/{action}`'s `metadata_schema` is "a JSON Schema"
in the contract's words, not by a schema a generator reads: a schema-valid case whose
`metadata_schema` the JSON Schema 2020-12 meta-schema refuses (`{"if": []}`) has it
replaced by `{}`, so the rest of its body is still tested.
"""

import itertools
import os
import re

import jsonschema_rs
import schemathesis
from schemathesis import GenerationMode

OWN_KEY_ID = os.environ.get("FUZZ_OWN_KEY_ID", "")
NEVER_A_NAME = " "
UNKNOWN_KEY_ID = "key_" + "0" * 26
IDEMPOTENCY_KEY = "Idempotency-Key"
VALID_KEY = re.compile(r"^[\x20-\x7E]{1,255}$")
_requests = itertools.count(1)
MAX_SAFE_INTEGER = 2**53 - 1


def _safe_integers(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return max(-MAX_SAFE_INTEGER, min(MAX_SAFE_INTEGER, value))
    if isinstance(value, dict):
        return {key: _safe_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_safe_integers(item) for item in value]
    return value


def _valid_metadata_schema(body):
    schema = body.get("metadata_schema")
    if schema is None:
        return
    try:
        valid = jsonschema_rs.meta.is_valid(schema)
    except Exception:  # a `$schema` it does not know, a value it cannot read
        valid = False
    if not valid:
        body["metadata_schema"] = {}


def _positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _unique_idempotency_key(case):
    headers = case.headers or {}
    value = headers.get(IDEMPOTENCY_KEY)
    if not isinstance(value, str) or not VALID_KEY.fullmatch(value):
        return
    if not _positive(case):
        return
    suffix = f"~{next(_requests)}"
    headers[IDEMPOTENCY_KEY] = value[: 255 - len(suffix)] + suffix


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _unique_idempotency_key(case)
    if _positive(case) and isinstance(case.body, (dict, list)):
        case.body = _safe_integers(case.body)
        if case.operation.path == "/v1/actions/{action}" and isinstance(case.body, dict):
            _valid_metadata_schema(case.body)
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/v1/project":
        if case.query and "confirm" in case.query:
            case.query["confirm"] = NEVER_A_NAME
        return
    if case.operation.method.upper() != "DELETE" or case.operation.path != "/v1/api-keys/{api_key_id}":
        return
    if OWN_KEY_ID and (case.path_parameters or {}).get("api_key_id") == OWN_KEY_ID:
        case.path_parameters["api_key_id"] = UNKNOWN_KEY_ID

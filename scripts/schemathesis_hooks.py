"""Schemathesis hooks for scripts/schemathesis.sh.

The fuzzer authenticates with one admin key. `DELETE /v1/api-keys/{api_key_id}` may be
given that key's own id (the stateful phase finds it in `GET /v1/api-keys`), after which
every other operation can only answer 401. Revoking one's own key is correct behaviour,
not a finding, so that one id is swapped for a well-formed unknown one (a 404).
"""

import os

import schemathesis

OWN_KEY_ID = os.environ.get("FUZZ_OWN_KEY_ID", "")
UNKNOWN_KEY_ID = "key_" + "0" * 26


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.operation.method.upper() != "DELETE" or case.operation.path != "/v1/api-keys/{api_key_id}":
        return
    if OWN_KEY_ID and (case.path_parameters or {}).get("api_key_id") == OWN_KEY_ID:
        case.path_parameters["api_key_id"] = UNKNOWN_KEY_ID

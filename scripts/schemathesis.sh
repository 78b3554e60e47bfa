#!/usr/bin/env bash
# Fuzzes the reference server from the contract with schemathesis (PyPI), every check on,
# stateful phase included (it follows the contract's `links`). `pnpm test:fuzz` runs it.
#
# It installs its own pinned schemathesis into a virtualenv outside the work tree, starts
# `chronicle serve` on a free port over a fresh PGlite directory (or over PostgreSQL when
# FUZZ_DATABASE_URL names a database to use), creates a project for an API key, runs
# schemathesis against packages/types/generated/openapi.json, and exits non-zero on any
# failure (or when the server logged an unhandled error).
#
# Environment:
#   SCHEMATHESIS_MAX_EXAMPLES  examples per operation and phase (default 25, ~3 min in CI);
#                              run longer locally, e.g. SCHEMATHESIS_MAX_EXAMPLES=500
#   SCHEMATHESIS_SEED          the random seed (default 20261123, so CI runs repeat);
#                              set "random" to let schemathesis choose
#   SCHEMATHESIS_WORKERS       concurrent workers (default 1: with more, hypothesis can hit a
#                              CPython 3.11 "AST constructor recursion depth" error)
#   SCHEMATHESIS_ARGS          extra arguments, e.g. "--max-failures 5" or
#                              "--include-operation-id createEvent"
#   CHRONICLE_FUZZ_VENV        where the virtualenv lives (default ~/.cache/chronicle/venv-fuzz)
#   FUZZ_DATABASE_URL          serve from this PostgreSQL database instead of PGlite
#   FUZZ_REPORT_DIR            where reports go (default: a temporary directory, printed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
VENV=${CHRONICLE_FUZZ_VENV:-$HOME/.cache/chronicle/venv-fuzz}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25}
SEED=${SCHEMATHESIS_SEED:-20261123}
WORKERS=${SCHEMATHESIS_WORKERS:-1}

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "schemathesis: installing $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/chronicle-fuzz-XXXXXX")
REPORTS=${FUZZ_REPORT_DIR:-$WORK/reports}
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK/pglite"
}
trap cleanup EXIT

export CHRONICLE_DATA_DIR="$WORK/pglite"
export LOG_LEVEL=warn
if [[ -n "${FUZZ_DATABASE_URL:-}" ]]; then
  export DATABASE_URL="$FUZZ_DATABASE_URL"
else
  unset DATABASE_URL
fi
CLI=(node "$ROOT/packages/server/bin/chronicle.mjs")

API_KEY=$("${CLI[@]}" project create --name "Fuzzing" |
  node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>console.log(JSON.parse(s).api_key))')
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
BASE="http://127.0.0.1:$PORT"

# The fuzzer sends many requests without a valid key (ignored_auth) and opens streams on
# several workers at once: lift the failed-auth throttle and the per-key stream cap. A
# streams key lets it create log streams (their destinations are refused or unreachable).
PORT=$PORT HOST=127.0.0.1 CHRONICLE_RATE_LIMIT_PER_MINUTE=10000000 CHRONICLE_HEARTBEAT_MS=1000 \
  CHRONICLE_AUTH_FAILURES_PER_MINUTE=10000000 CHRONICLE_MAX_STREAMS_PER_CREDENTIAL=1000 \
  CHRONICLE_STREAMS_KEY="$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')" \
  "${CLI[@]}" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  if curl -fsS "$BASE/v1/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$WORK/server.log"
    exit 1
  fi
  sleep 0.5
done

# The fuzzer must not revoke its own key (see scripts/schemathesis_hooks.py).
FUZZ_OWN_KEY_ID=$(curl -fsS -H "Authorization: Bearer $API_KEY" "$BASE/v1/api-keys" |
  node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>console.log(JSON.parse(s).data[0].id))')
export FUZZ_OWN_KEY_ID
export SCHEMATHESIS_HOOKS=schemathesis_hooks
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"

SEED_ARGS=()
if [[ "$SEED" != "random" ]]; then SEED_ARGS=(--seed "$SEED"); fi

echo "schemathesis $SCHEMATHESIS_VERSION against $BASE: $MAX_EXAMPLES examples per operation, seed $SEED, reports in $REPORTS"
status=0
# scripts/schemathesis.toml: the expected statuses of rules JSON Schema cannot express,
# and how long to read the never-ending live tail.
# shellcheck disable=SC2086
"$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" run \
  "$ROOT/packages/types/generated/openapi.json" \
  --url "$BASE" \
  --header "Authorization: Bearer $API_KEY" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" \
  "${SEED_ARGS[@]}" \
  --workers "$WORKERS" \
  --request-timeout 30 \
  --generation-database none \
  --report junit,har \
  --report-dir "$REPORTS" \
  --no-color \
  ${SCHEMATHESIS_ARGS:-} || status=$?

if grep -q '"unhandled error"' "$WORK/server.log"; then
  echo "The server logged unhandled errors during the run:"
  grep '"unhandled error"' "$WORK/server.log" | head -20
  status=1
fi
echo "schemathesis: reports in $REPORTS"
exit "$status"

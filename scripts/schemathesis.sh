#!/usr/bin/env bash
# Schemathesis against the served OpenAPI document: requests generated from
# the schema, as every role, must never get a 5xx. Bounded: a few examples an
# operation. Usage: scripts/schemathesis.sh [EXAMPLES]   (needs `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-5}"
command -v st >/dev/null || { echo "schemathesis is not installed: pip install schemathesis" >&2; exit 1; }
cargo build --locked -q -p socred
socred=target/debug/socred
dir=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
db="$dir/demo.db"
# The subject account is the demo's judgment defaulter.
person=$("$socred" --db "$db" demo --subjects 300 --json | python3 -c 'import json,sys; print(next(e["id"] for e in json.load(sys.stdin)["examples"] if e["label"] == "judgment defaulter"))')
add() { "$socred" --db "$db" account add --username "$1" --role "$2" "${@:3}" >/dev/null; "$socred" --db "$db" token issue --username "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
declare -A tokens
tokens[admin]=$(add st-admin admin)
tokens[auditor]=$(add st-auditor auditor)
tokens[officer]=$(add st-officer officer --authority "Municipal Tax Bureau")
tokens[reviewer]=$(add st-reviewer reviewer)
tokens[provider]=$(add st-provider provider --service civil-aviation --service public-sector-hiring)
tokens[partner]=$(add st-partner partner --behaviour unpaid-shared-bike-ride)
tokens[subject]=$(add st-subject subject --subject "$person")
"$socred" --db "$db" serve --addr 127.0.0.1:0 2>"$dir/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "addr=" "$dir/serve.log" && break; sleep 0.1; done
addr=$(grep -o 'addr=[0-9.:]*' "$dir/serve.log" | head -n 1 | cut -d= -f2)
[ -n "$addr" ] || { cat "$dir/serve.log" >&2; exit 1; }
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
status=0
# Revoking tokens is left to the last run: it would revoke the token the run uses.
for role in admin auditor officer reviewer provider partner subject; do
    echo "== schemathesis as $role"
    st run "http://$addr/api/v1/openapi.json" -H "Authorization: Bearer ${tokens[$role]}" --checks not_a_server_error \
        --max-examples "$examples" --workers 1 --exclude-path '/api/v1/tokens/{id}' --no-color >"$dir/st-$role.log" 2>&1 || status=1
    tail -n 6 "$dir/st-$role.log"
    grep -A25 "^_\+ .* _\+$" "$dir/st-$role.log" | head -n 60 || true
    [ "$status" = 0 ] || { cat "$dir/st-$role.log"; break; }
done
if [ "$status" = 0 ]; then
    echo "== schemathesis, token revocation"
    st run "http://$addr/api/v1/openapi.json" -H "Authorization: Bearer ${tokens[admin]}" --checks not_a_server_error \
        --max-examples "$examples" --include-path '/api/v1/tokens/{id}' --no-color >"$dir/st-revoke.log" 2>&1 || { status=1; cat "$dir/st-revoke.log"; }
fi
if grep -qi "panicked" "$dir/serve.log"; then echo "the server panicked:" >&2; grep -i -A5 panicked "$dir/serve.log" >&2; status=1; fi
exit "$status"

# Sourced by the demos: starts a local nats-server (free port, temp JetStream store) that is
# stopped when the demo exits, and sets $url to it.
store="$(mktemp -d)"
log="$store/nats.log"
nats-server -a 127.0.0.1 -p -1 -js -sd "$store" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$store"' EXIT
for _ in $(seq 100); do grep -q "Server is ready" "$log" && break; sleep 0.05; done
port="$(grep -oE 'Listening for client connections on 127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$')"
url="nats://127.0.0.1:$port"

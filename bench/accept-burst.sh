#!/usr/bin/env bash
# How long new connections wait to be accepted by a busy sidecar (docs/bench.md, "The c=200 p99 tail").
# bench/latclient (Go) drives wrk's pattern, keep-alive GETs on C connections, through one meshguard
# outbound → mTLS → nginx (answers 200 itself), and reports each connection's first request apart from
# the rest. Two modes, interleaved: connections opened while the load starts (as wrk does) and
# connections opened before it. Sidecar and nginx on CPU 1, the client on CPU 0 (as npm run bench).
# Needs nginx, wrk and Go (apt-get install nginx wrk golang-go). C=200 REPS=2 DURATION=10 WORKERS=1 by
# default; with WORKERS=2 the cluster primary accepts and passes each connection to a worker.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${C:-200}
REPS=${REPS:-2}
DURATION=${DURATION:-10}
WORKERS=${WORKERS:-1}
run=bench/run/accept-burst
mkdir -p "$run"
GO111MODULE=off go build -o "$run/latclient" bench/latclient/main.go
node bin/meshguard.js certs dev --out "$run/certs" --trust-domain example.org \
  --id spiffe://example.org/ns/bench/sa/client --id spiffe://example.org/ns/bench/sa/server >/dev/null
body=$(printf '%0100d' 0)
cat > "$run/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $PWD/$run/nginx.pid;
error_log $PWD/$run/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:19602 ssl;
    ssl_certificate $PWD/$run/certs/server.pem;
    ssl_certificate_key $PWD/$run/certs/server-key.pem;
    ssl_client_certificate $PWD/$run/certs/bundle.pem;
    ssl_verify_client on;
    keepalive_requests 10000000;
    location / { return 200 "$body"; }
  }
}
CONF
cat > "$run/outbound.yaml" <<CONF
trustDomain: example.org
identity: spiffe://example.org/ns/bench/sa/client
certificates: { provider: files, files: { cert: certs/client.pem, key: certs/client-key.pem, bundle: certs/bundle.pem } }
outbound:
  listen: 127.0.0.1:19601
  routes: [ { host: backend, endpoints: [127.0.0.1:19602], spiffeIds: [spiffe://example.org/ns/bench/sa/server] } ]
workers: $WORKERS
log: { level: warn, access: false }
CONF
echo 'wrk.headers["Host"] = "backend"' > "$run/host.lua"
taskset -c 1 nginx -c "$PWD/$run/nginx.conf" & NGINX=$!
taskset -c 1 node bin/meshguard.js run --config "$run/outbound.yaml" > "$run/outbound.log" 2>&1 & MG=$!
trap 'kill $NGINX $MG 2>/dev/null || true' EXIT
sleep 4
for rep in $(seq 1 "$REPS"); do
  for mode in under-load opened-before; do
    # Warm-up: JIT and the sidecar's upstream pool at C connections; wrk closes its connections after.
    taskset -c 0 wrk -t1 -c"$C" -d3s -s "$run/host.lua" http://127.0.0.1:19601/ > /dev/null
    echo "== rep $rep, c=$C, workers $WORKERS, connections $mode"
    flag=; [ "$mode" = opened-before ] && flag=-predial
    GOMAXPROCS=1 taskset -c 0 "$run/latclient" -addr 127.0.0.1:19601 -host backend -c "$C" -d "${DURATION}s" $flag
  done
done

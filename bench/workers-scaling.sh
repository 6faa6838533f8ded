#!/usr/bin/env bash
# Issue 7 item 3: req/s of one meshguard outbound sidecar with `workers: 1` and `workers: 2`.
# wrk (c=50) → meshguard outbound → mTLS → nginx (mTLS terminator answering 200 itself). Nothing is
# pinned: a second worker can only help if the sidecar, not wrk or nginx, is what fills a core.
# Interleaved repetitions; prints one line per run. Needs nginx and wrk (apt-get install nginx wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
DURATION=${DURATION:-8}
run=bench/run/workers
mkdir -p "$run"
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
    listen 127.0.0.1:19502 ssl;
    ssl_certificate $PWD/$run/certs/server.pem;
    ssl_certificate_key $PWD/$run/certs/server-key.pem;
    ssl_client_certificate $PWD/$run/certs/bundle.pem;
    ssl_verify_client on;
    keepalive_requests 1000000;
    location / { return 200 "$body"; }
  }
}
CONF
echo 'wrk.headers["Host"] = "backend"' > "$run/host.lua"
nginx -c "$PWD/$run/nginx.conf" & NGINX=$!
trap 'kill $NGINX 2>/dev/null || true; [ -n "${MG:-}" ] && kill $MG 2>/dev/null || true' EXIT
sleep 1
for rep in $(seq 1 "$REPS"); do
  for w in 1 2; do
    cat > "$run/outbound-$w.yaml" <<CONF
trustDomain: example.org
identity: spiffe://example.org/ns/bench/sa/client
certificates: { provider: files, files: { cert: certs/client.pem, key: certs/client-key.pem, bundle: certs/bundle.pem } }
outbound:
  listen: 127.0.0.1:19501
  routes: [ { host: backend, endpoints: [127.0.0.1:19502], spiffeIds: [spiffe://example.org/ns/bench/sa/server] } ]
workers: $w
log: { level: warn, access: false }
CONF
    node bin/meshguard.js run --config "$run/outbound-$w.yaml" > "$run/outbound-$w.log" 2>&1 & MG=$!
    sleep 4
    timeout 20 wrk -t1 -c50 -d3s -s "$run/host.lua" http://127.0.0.1:19501/ > /dev/null
    out=$(timeout $((DURATION + 10)) wrk -t1 -c50 -d"${DURATION}s" --latency -s "$run/host.lua" http://127.0.0.1:19501/)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    echo "rep=$rep workers=$w req/s=$rps p99=$p99 load=$(cut -d' ' -f1 /proc/loadavg)"
    kill $MG; wait $MG 2>/dev/null || true; MG=
    sleep 2
  done
done

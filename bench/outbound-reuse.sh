#!/usr/bin/env bash
# Issue 7 item 2, the outbound side: what a new upstream mTLS connection costs the outbound sidecar
# with and without TLS session resumption.
#
#   wrk (c=10) → meshguard outbound → mTLS → nginx (mTLS terminator answering 200 itself)
#
# nginx closes every connection after one request (keepalive_requests 1), so each request makes the
# outbound open a new upstream connection. Two nginx servers differ only in session tickets:
# host `resumed` → tickets on (the outbound offers the session of its previous connection to that
# endpoint), host `full` → tickets and session cache off (every connection a full handshake).
# Per run: req/s (= new upstream connections per second), the outbound's CPU per connection from
# /proc (the sidecar process and its children), and the share of handshakes the outbound counted as
# resumed (meshguard_upstream_tls_handshakes_total). wrk on CPU0, nginx and the outbound on CPU1.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
DURATION=${DURATION:-5}
run=bench/run/reuse
mkdir -p "$run"
node bin/meshguard.js certs dev --out "$run/certs" --trust-domain example.org \
  --id spiffe://example.org/ns/bench/sa/client --id spiffe://example.org/ns/bench/sa/server >/dev/null
body=$(printf '%0100d' 0)
server() { # port tickets
  cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl;
    ssl_certificate $PWD/$run/certs/server.pem;
    ssl_certificate_key $PWD/$run/certs/server-key.pem;
    ssl_client_certificate $PWD/$run/certs/bundle.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.3;
    ssl_session_tickets $2;
    ssl_session_cache off;
    keepalive_requests 1;
    location / { return 200 "$body"; }
  }
CONF
}
{
  echo "worker_processes 1; daemon off; pid $PWD/$run/nginx.pid; error_log $PWD/$run/nginx-error.log;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off;"
  server 19512 on
  server 19513 off
  echo "}"
} > "$run/nginx.conf"
cat > "$run/outbound.yaml" <<CONF
trustDomain: example.org
identity: spiffe://example.org/ns/bench/sa/client
certificates: { provider: files, files: { cert: certs/client.pem, key: certs/client-key.pem, bundle: certs/bundle.pem } }
outbound:
  listen: 127.0.0.1:19511
  routes:
    - { host: resumed, endpoints: [127.0.0.1:19512], spiffeIds: [spiffe://example.org/ns/bench/sa/server], sni: localhost }
    - { host: full, endpoints: [127.0.0.1:19513], spiffeIds: [spiffe://example.org/ns/bench/sa/server], sni: localhost }
admin: { listen: 127.0.0.1:19514 }
log: { level: warn, access: false }
CONF
taskset -c 1 nginx -c "$PWD/$run/nginx.conf" & NGINX=$!
taskset -c 1 node bin/meshguard.js run --config "$run/outbound.yaml" > "$run/outbound.log" 2>&1 & MG=$!
trap 'kill $NGINX $MG 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:19514/ready && break; sleep 0.1; done

tree() { echo "$1" $(pgrep -P "$1" || true); }
cpu_ticks() { local s=0; for p in $(tree "$MG"); do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $s; }
handshakes() { # resumed=true|false
  curl -s http://127.0.0.1:19514/stats/prometheus | awk -v r="resumed=\"$1\"" 'index($0, "meshguard_upstream_tls_handshakes_total{") == 1 && index($0, r) { s += $NF } END { print s + 0 }'
}
hz=$(getconf CLK_TCK)
for host in resumed full; do
  echo "wrk.headers[\"Host\"] = \"$host\"" > "$run/$host.lua"
  taskset -c 0 wrk -t1 -c10 -d2s -s "$run/$host.lua" http://127.0.0.1:19511/ > /dev/null
done
echo "# new upstream mTLS connection per request; outbound CPU per connection (µs); resumed share as the outbound counted it"
for rep in $(seq 1 "$REPS"); do
  for host in resumed full; do
    c0=$(cpu_ticks); r0=$(handshakes true); f0=$(handshakes false)
    out=$(taskset -c 0 timeout $((DURATION + 10)) wrk -t1 -c10 -d"${DURATION}s" -s "$run/$host.lua" http://127.0.0.1:19511/)
    c1=$(cpu_ticks); r1=$(handshakes true); f1=$(handshakes false)
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
    resumed=$((r1 - r0)); full=$((f1 - f0))
    echo "rep=$rep upstream=$host req/s=$rps cpu_per_conn_us=$(( (c1 - c0) * 1000000 / hz / (reqs > 0 ? reqs : 1) )) handshakes_resumed=$resumed handshakes_full=$full non2xx=${non2xx:-0} load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done

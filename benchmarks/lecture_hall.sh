#!/usr/bin/env bash
# A lecture hall on one machine: N Streamlit replicas behind nginx, sticky per client address.
#
#   benchmarks/lecture_hall.sh start [REPLICAS=2] [PORT=8600]   # prints the address and the replicas' PIDs
#   benchmarks/lecture_hall.sh stop
#
# Streamlit runs each session's script in a thread of one process, so one
# process keeps about one core busy (the GIL); N processes use N cores. A
# session's websocket and its uploads must reach the same replica: nginx hashes
# the client's full address (`hash $remote_addr consistent`, not `ip_hash`,
# which keys on the first three octets and sends a whole 127.0.0.x or campus
# subnet to one replica). Behind one NAT address every student reaches the same
# replica: there, put a cookie-aware balancer in front (docs/DEPLOYMENT.md).
# Everything listens on 127.0.0.1 only; nginx comes from Debian (apt-get install nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${LECTURE_HALL_STATE:-/tmp/collapse-lecture-hall}
PYTHON=${PYTHON:-python}

stop() {
  [ -d "$STATE" ] || return 0
  if [ -f "$STATE/nginx.pid" ]; then kill "$(cat "$STATE/nginx.pid")" 2>/dev/null || true; fi
  for pid in "$STATE"/replica-*.pid; do [ -f "$pid" ] && { kill "$(cat "$pid")" 2>/dev/null || true; }; done
  rm -rf "$STATE"
}

start() {
  local replicas=${1:-2} port=${2:-8600} servers="" pids=""
  stop
  mkdir -p "$STATE"
  for i in $(seq 1 "$replicas"); do
    local replica_port=$((port + i))
    COLLAPSE_WARM_CACHE=${COLLAPSE_WARM_CACHE:-1} "$PYTHON" -m streamlit run dashboard.py \
      --server.address 127.0.0.1 --server.port "$replica_port" --server.headless true \
      --browser.gatherUsageStats false >"$STATE/replica-$i.log" 2>&1 &
    echo $! >"$STATE/replica-$i.pid"
    servers+="    server 127.0.0.1:$replica_port;"$'\n'
    pids+=" $!"
  done
  cat >"$STATE/nginx.conf" <<CONF
worker_processes 1;
pid $STATE/nginx.pid;
error_log $STATE/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $STATE/body;
  proxy_temp_path $STATE/proxy;
  fastcgi_temp_path $STATE/fastcgi;
  uwsgi_temp_path $STATE/uwsgi;
  scgi_temp_path $STATE/scgi;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream lab {
    hash \$remote_addr consistent;
$servers  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 6m;  # uploads of up to 5 MB
    location / {
      proxy_pass http://lab;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$host;
      proxy_read_timeout 86400;
    }
  }
}
CONF
  nginx -c "$STATE/nginx.conf" -p "$STATE"
  for i in $(seq 1 "$replicas"); do
    for _ in $(seq 1 120); do
      curl -fs "http://127.0.0.1:$((port + i))/_stcore/health" >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
  curl -fs "http://127.0.0.1:$port/_stcore/health" >/dev/null
  echo "lecture hall: http://127.0.0.1:$port/ ($replicas replicas, PIDs:$pids)"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start [REPLICAS] [PORT] | stop" >&2; exit 2 ;;
esac

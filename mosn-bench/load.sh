#!/usr/bin/env bash
# mosn-bench/load.sh — side-by-side HTTP/1.1 load benchmark: nginx (reference
# proxy) vs mosn4j, both in front of the same nginx backend, measured in one run.
#
#   wrk ──► nginx proxy  127.0.0.1:$NGINX_PROXY_PORT ─┐
#   wrk ──► mosn4j       127.0.0.1:$MOSN_PORT        ─┴─► nginx backend 127.0.0.1:$BACKEND_PORT
#
# Usage:  mosn-bench/load.sh [--build] [--help]
#   --build   run `./mvnw -q -B -DskipTests package` in the repo root first
#
# Environment (all optional):
#   DURATION=15          seconds of each measured wrk run (wrk -d)
#   WARMUP=5             seconds of the warm-up wrk run before each measurement (0 = none)
#   CONNECTIONS=50       wrk -c (concurrent keep-alive connections)
#   WRK_THREADS=2        wrk -t
#   PROXY_WORKERS=2      nginx proxy worker_processes and mosn4j "processor"
#   BACKEND_PORT=18080   backend nginx (1 worker)
#   NGINX_PROXY_PORT=18081  reference nginx proxy
#   MOSN_PORT=18082      mosn4j proxy
#   ONLY=                "nginx" or "mosn" to run only that proxy (default: both)
#   CASES=http1          benchmark cases to run (only "http1" exists so far)
#   OUT=mosn-bench/target/load-results   where results.tsv, raw wrk output and logs go
#   WAIT_TRIES=100       readiness probes (0.1 s apart) per server; mosn4j gets 3x
#   KEEP_TMP=0           1 = keep the temp dir with generated configs/logs
#
# Prints a table (req/s, p50/p99 latency in ms, error counts, proxy CPU time per
# request) and the mosn4j/nginx ratios, and writes the same figures one per line
# to $OUT/results.tsv. Client, backend and proxies share the machine's cores, so
# compare the ratios within one run, not absolute numbers across machines.
#
# All traffic goes to 127.0.0.1 only; every load is bounded by wrk -d; every
# process the script starts is stopped on exit (also on Ctrl-C or failure).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-50}
WRK_THREADS=${WRK_THREADS:-2}
PROXY_WORKERS=${PROXY_WORKERS:-2}
BACKEND_PORT=${BACKEND_PORT:-18080}
NGINX_PROXY_PORT=${NGINX_PROXY_PORT:-18081}
MOSN_PORT=${MOSN_PORT:-18082}
ONLY=${ONLY:-}
CASES=${CASES:-http1}
OUT=${OUT:-$SCRIPT_DIR/target/load-results}
WAIT_TRIES=${WAIT_TRIES:-100}
KEEP_TMP=${KEEP_TMP:-0}

BODY="hello mosn4j"
BUILD=0

log() { printf '[load.sh] %s\n' "$*" >&2; }
die() { printf '[load.sh] ERROR: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

for arg in "$@"; do
  case "$arg" in
    --build) BUILD=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

case "$ONLY" in
  ""|nginx|mosn) ;;
  *) die "ONLY must be empty, 'nginx' or 'mosn' (got '$ONLY')" ;;
esac
for v in DURATION WARMUP CONNECTIONS WRK_THREADS PROXY_WORKERS BACKEND_PORT NGINX_PROXY_PORT MOSN_PORT WAIT_TRIES; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer (got '${!v}')"
done
((DURATION > 0 && CONNECTIONS > 0 && WRK_THREADS > 0 && PROXY_WORKERS > 0)) \
  || die "DURATION, CONNECTIONS, WRK_THREADS and PROXY_WORKERS must be > 0"
((CONNECTIONS >= WRK_THREADS)) || die "CONNECTIONS must be >= WRK_THREADS (wrk requirement)"

want_nginx() { [[ -z $ONLY || $ONLY == nginx ]]; }
want_mosn()  { [[ -z $ONLY || $ONLY == mosn ]]; }

# --------------------------------------------------------------------------
# Cleanup: stop everything we started (registered before anything is started)
# --------------------------------------------------------------------------
TMP=""
STARTED_PIDS=()        # top-level pids we launched
POLICY_RC_CREATED=0

descendants() {        # all descendant pids of $1, depth first
  local p c
  for p in "$@"; do
    for c in $(pgrep -P "$p" 2>/dev/null || true); do
      echo "$c"
      descendants "$c"
    done
  done
}

alive() { kill -0 "$1" 2>/dev/null; }

cleanup() {
  local rc=$? pids=() p i
  trap - EXIT INT TERM HUP
  [[ -n ${LOAD_PID:-} ]] && pids+=("$LOAD_PID")
  for p in "${STARTED_PIDS[@]}"; do
    pids+=("$p")
    # shellcheck disable=SC2207
    pids+=($(descendants "$p"))
  done
  if [[ -n $TMP && -f $TMP/mosn.json ]]; then
    # a launcher that daemonized/re-parented the JVM: find it by its unique config path
    # shellcheck disable=SC2207
    pids+=($(pgrep -f -- "$TMP/mosn.json" 2>/dev/null || true))
  fi
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      local any=0
      for p in "${pids[@]}"; do alive "$p" && any=1; done
      ((any)) || break
      sleep 0.1
    done
    for p in "${pids[@]}"; do
      if alive "$p"; then log "pid $p did not stop on SIGTERM, sending SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
    done
    wait 2>/dev/null || true
  fi
  if ((POLICY_RC_CREATED)); then rm -f /usr/sbin/policy-rc.d; fi
  if [[ -n $TMP && -d $TMP ]]; then
    if [[ -d $OUT ]]; then
      mkdir -p "$OUT/logs"
      cp -f "$TMP"/*.log "$OUT/logs/" 2>/dev/null || true
    fi
    if [[ $KEEP_TMP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --------------------------------------------------------------------------
# Dependencies (Debian packages only)
# --------------------------------------------------------------------------
NGINX_BIN=""
find_nginx() {
  NGINX_BIN=$(command -v nginx 2>/dev/null || true)
  [[ -z $NGINX_BIN && -x /usr/sbin/nginx ]] && NGINX_BIN=/usr/sbin/nginx
  [[ -n $NGINX_BIN ]]
}

ensure_deps() {
  local missing=()
  find_nginx || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v pgrep >/dev/null || missing+=(procps)
  command -v getconf >/dev/null || missing+=(libc-bin)
  command -v awk >/dev/null || missing+=(mawk)
  ((${#missing[@]})) || return 0

  log "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  # Keep the package's postinst from starting the system nginx service (it would
  # grab port 80 and keep running); removed again right after, and in cleanup.
  if ((EUID == 0)) && [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  # apt's chatter goes to stderr so that stdout carries only the results
  "${sudo[@]}" apt-get update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  if ((POLICY_RC_CREATED)); then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
  find_nginx || die "nginx still not found after install"
  command -v wrk >/dev/null || die "wrk still not found after install"
}

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http NAME PORT PID TRIES LOGFILE: until GET / answers with the backend's body
wait_http() {
  local name=$1 port=$2 pid=$3 tries=$4 logf=$5 i body
  for ((i = 0; i < tries; i++)); do
    if ! alive "$pid"; then
      log "$name (pid $pid) exited during start-up; last lines of $logf:"
      tail -n 30 "$logf" >&2 2>/dev/null || true
      die "$name did not start (logs are copied to $OUT/logs/)"
    fi
    if body=$(curl -sS --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null); then
      [[ $body == "$BODY" ]] && return 0
    fi
    sleep 0.1
  done
  log "$name did not answer on 127.0.0.1:$port after $tries tries; last response: '${body:-<none>}'; last lines of $logf:"
  tail -n 30 "$logf" >&2 2>/dev/null || true
  die "$name not ready (logs are copied to $OUT/logs/)"
}

# proc_ticks PID...: utime+stime (clock ticks) summed over the given pids
proc_ticks() {
  local p total=0 st rest
  for p in "$@"; do
    st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${st##*) }                  # fields from 3 (state) on; comm may hold spaces
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))  # fields 14 (utime) and 15 (stime)
  done
  echo "$total"
}

# pid_tree PID: PID and its descendants, still alive
pid_tree() { if alive "$1"; then echo "$1"; descendants "$1"; fi; }

start_nginx() { # NAME CONF -> sets LAST_PID
  local name=$1 conf=$2
  "$NGINX_BIN" -t -q -c "$conf" -p "$TMP/$name" -e "$TMP/$name.log" \
    || die "generated $name config $conf is invalid"
  "$NGINX_BIN" -c "$conf" -p "$TMP/$name" -e "$TMP/$name.log" -g 'daemon off;' \
    >>"$TMP/$name.stdout.log" 2>&1 &
  LAST_PID=$!
  STARTED_PIDS+=("$LAST_PID")
}

write_nginx_confs() {
  mkdir -p "$TMP/backend" "$TMP/nginx-proxy"
  cat >"$TMP/backend.conf" <<EOF
worker_processes 1;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $TMP/backend/client_body;
    proxy_temp_path $TMP/backend/proxy;
    fastcgi_temp_path $TMP/backend/fastcgi;
    uwsgi_temp_path $TMP/backend/uwsgi;
    scgi_temp_path $TMP/backend/scgi;
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        default_type text/plain;
        location / { return 200 "$BODY\n"; }
    }
}
EOF
  cat >"$TMP/nginx-proxy.conf" <<EOF
worker_processes $PROXY_WORKERS;
pid $TMP/nginx-proxy/nginx.pid;
error_log $TMP/nginx-proxy.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $TMP/nginx-proxy/client_body;
    proxy_temp_path $TMP/nginx-proxy/proxy;
    fastcgi_temp_path $TMP/nginx-proxy/fastcgi;
    uwsgi_temp_path $TMP/nginx-proxy/uwsgi;
    scgi_temp_path $TMP/nginx-proxy/scgi;
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGINX_PROXY_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}

write_mosn_conf() {
  cat >"$TMP/mosn.json" <<EOF
{
  "servers": [{
    "default_log_path": "stdout", "default_log_level": "WARN", "processor": $PROXY_WORKERS,
    "routers": [{"router_config_name": "bench_router", "virtual_hosts": [{"name": "bench", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
    "listeners": [{"name": "bench", "address": "127.0.0.1:$MOSN_PORT", "bind_port": true,
      "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "bench_router"}}]}]}]
  }],
  "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:$BACKEND_PORT"}]}]}
}
EOF
}

check_mosn_build() {
  if ((BUILD)); then
    log "building: (cd $ROOT && ./mvnw -q -B -DskipTests package)"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package) || die "build failed"
  fi
  if [[ ! -x $ROOT/bin/mosn || ! -d $ROOT/mosn-app/target/lib ]]; then
    [[ -x $ROOT/bin/mosn ]] || log "missing: $ROOT/bin/mosn (not found or not executable)"
    [[ -d $ROOT/mosn-app/target/lib ]] || log "missing: $ROOT/mosn-app/target/lib (mosn4j is not built)"
    die "build mosn4j first: (cd $ROOT && ./mvnw -q -DskipTests package), or run this script with --build; or use ONLY=nginx"
  fi
}

# mosn_pids: the launcher, its descendants and any process carrying our unique config path
MOSN_PID=""
mosn_pids() {
  { pid_tree "$MOSN_PID"; pgrep -f -- "$TMP/mosn.json" 2>/dev/null || true; } | sort -un
}
nginx_proxy_pids() { pid_tree "$NGINX_PROXY_PID"; }

describe_pids() {
  local p
  for p in "$@"; do printf ' %s(%s)' "$p" "$(cat "/proc/$p/comm" 2>/dev/null || echo '?')"; done
}

# --------------------------------------------------------------------------
# Load generators. A case function runs one measured load against a port and
# leaves its raw output in the given file; parse_* turn it into metrics.
# (An HTTP/2 case would add load_http2 using h2load plus a parse_h2load.)
# --------------------------------------------------------------------------
LOAD_PID=""
# run_load CMD...: run the load generator in the background and wait for it, so
# that a signal to this script is handled at once (cleanup stops the generator)
run_load() {
  "$@" &
  LOAD_PID=$!
  local rc=0
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  return "$rc"
}

load_http1() { # PORT SECONDS OUTFILE
  run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "http://127.0.0.1:$1/" >"$3" 2>&1
}

# parse_wrk FILE -> "rps p50_ms p99_ms requests non2xx3xx socket_errors elapsed_s"
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return -1
    }
    /^ *50% /            { p50 = ms($2) }
    /^ *99% /            { p99 = ms($2) }
    / requests in /      { req = $1; el = $4; sub(/,$/, "", el); elapsed = ms(el) / 1000 }
    /^Requests\/sec:/    { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/     { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END {
      if (rps == "" || req == "") { print "n/a n/a n/a n/a n/a n/a n/a"; exit }
      printf "%s %.3f %.3f %d %d %d %.2f\n", rps, p50, p99, req, non2xx + 0, sock + 0, elapsed
    }' "$1"
}

# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------
declare -A R   # R[case,proxy,metric]=value
PROXIES_RUN=()

# bench CASE PROXY PORT PIDFUNC
bench() {
  local case=$1 proxy=$2 port=$3 pidfn=$4 raw pids t0 t1 ticks cpu_s rps p50 p99 req non2xx sock elapsed
  raw="$OUT/$case-$proxy.wrk.txt"
  if ((WARMUP > 0)); then
    log "[$case/$proxy] warm-up ${WARMUP}s on 127.0.0.1:$port"
    "load_$case" "$port" "$WARMUP" "$OUT/$case-$proxy.warmup.txt" \
      || { cat "$OUT/$case-$proxy.warmup.txt" >&2; die "warm-up load against $proxy failed"; }
    sleep 1
  fi
  mapfile -t pids < <("$pidfn")
  ((${#pids[@]})) || die "no live $proxy process found to measure"
  log "[$case/$proxy] measuring ${DURATION}s on 127.0.0.1:$port; CPU of pids:$(describe_pids "${pids[@]}")"
  t0=$(proc_ticks "${pids[@]}")
  "load_$case" "$port" "$DURATION" "$raw" || { cat "$raw" >&2; die "load against $proxy failed"; }
  t1=$(proc_ticks "${pids[@]}")
  ticks=$((t1 - t0))
  read -r rps p50 p99 req non2xx sock elapsed < <(parse_wrk "$raw")
  [[ $rps != n/a ]] || { cat "$raw" >&2; die "could not parse wrk output for $proxy ($raw)"; }
  cpu_s=$(awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$case,$proxy,rps]=$rps
  R[$case,$proxy,p50_ms]=$p50
  R[$case,$proxy,p99_ms]=$p99
  R[$case,$proxy,requests]=$req
  R[$case,$proxy,non2xx3xx]=$non2xx
  R[$case,$proxy,socket_errors]=$sock
  R[$case,$proxy,cpu_s]=$cpu_s
  # average cores busy in the proxy over wrk's own measured elapsed time
  R[$case,$proxy,cpu_cores]=$(awk -v c="$cpu_s" -v d="$elapsed" 'BEGIN { if (d > 0) printf "%.2f", c / d; else print "n/a" }')
  R[$case,$proxy,cpu_us_per_req]=$(awk -v c="$cpu_s" -v r="$req" 'BEGIN { if (r > 0) printf "%.1f", c * 1e6 / r; else print "n/a" }')
}

METRICS=(rps p50_ms p99_ms non2xx3xx socket_errors cpu_us_per_req cpu_cores requests)
UNITS=(req/s ms ms count count us cores count)

ratio() { # A B -> A/B or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'
}

report() {
  local case=$1 proxy m i tsv="$OUT/results.tsv"
  printf '\n== %s: wrk -t%s -c%s -d%ss --latency, proxy workers %s, %s CPUs ==\n' \
    "$case" "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$PROXY_WORKERS" "$(nproc)"
  printf '%-8s %11s %9s %9s %10s %9s %11s %9s %10s\n' \
    proxy req/s p50_ms p99_ms non2xx3xx sock_err cpu_us/req cpu_cores requests
  for proxy in "${PROXIES_RUN[@]}"; do
    printf '%-8s %11s %9s %9s %10s %9s %11s %9s %10s\n' "$proxy" \
      "${R[$case,$proxy,rps]}" "${R[$case,$proxy,p50_ms]}" "${R[$case,$proxy,p99_ms]}" \
      "${R[$case,$proxy,non2xx3xx]}" "${R[$case,$proxy,socket_errors]}" \
      "${R[$case,$proxy,cpu_us_per_req]}" "${R[$case,$proxy,cpu_cores]}" "${R[$case,$proxy,requests]}"
  done
  if ((${#PROXIES_RUN[@]} == 2)); then
    for m in "${METRICS[@]}"; do
      R[$case,ratio,$m]=$(ratio "${R[$case,mosn4j,$m]}" "${R[$case,nginx,$m]}")
    done
    printf '%-8s %11s %9s %9s %10s %9s %11s %9s %10s\n' "ratio" \
      "${R[$case,ratio,rps]}" "${R[$case,ratio,p50_ms]}" "${R[$case,ratio,p99_ms]}" \
      "${R[$case,ratio,non2xx3xx]}" "${R[$case,ratio,socket_errors]}" \
      "${R[$case,ratio,cpu_us_per_req]}" "${R[$case,ratio,cpu_cores]}" "${R[$case,ratio,requests]}"
    printf '(ratio = mosn4j / nginx: higher is better for req/s, lower is better for latency and cpu_us/req)\n'
  fi
  for proxy in "${PROXIES_RUN[@]}" ratio; do
    [[ $proxy == ratio && ${#PROXIES_RUN[@]} -ne 2 ]] && continue
    for i in "${!METRICS[@]}"; do
      m=${METRICS[$i]}
      if [[ $proxy == ratio ]]; then
        printf '%s\tmosn4j/nginx\t%s\t%s\tratio\n' "$case" "$m" "${R[$case,$proxy,$m]}"
      else
        printf '%s\t%s\t%s\t%s\t%s\n' "$case" "$proxy" "$m" "${R[$case,$proxy,$m]}" "${UNITS[$i]}"
      fi
    done
  done >>"$tsv"
}

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
for c in $CASES; do
  declare -F "load_$c" >/dev/null || die "unknown case '$c' in CASES (known: http1)"
done
ensure_deps
want_mosn && check_mosn_build
CLK_TCK=$(getconf CLK_TCK)

for p in "$BACKEND_PORT" $(want_nginx && echo "$NGINX_PROXY_PORT") $(want_mosn && echo "$MOSN_PORT"); do
  if port_in_use "$p"; then die "port 127.0.0.1:$p is already in use (set *_PORT to change)"; fi
done

mkdir -p "$OUT"
rm -f "$OUT"/*.wrk.txt "$OUT"/*.warmup.txt "$OUT/results.tsv"
rm -rf "$OUT/logs"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mosn-bench.XXXXXXXX")
chmod 755 "$TMP"   # nginx workers may run as an unprivileged user

write_nginx_confs
start_nginx backend "$TMP/backend.conf"
BACKEND_PID=$LAST_PID
wait_http "backend nginx" "$BACKEND_PORT" "$BACKEND_PID" "$WAIT_TRIES" "$TMP/backend.log"
log "backend nginx up on 127.0.0.1:$BACKEND_PORT (pid $BACKEND_PID)"

NGINX_PROXY_PID=""
if want_nginx; then
  start_nginx nginx-proxy "$TMP/nginx-proxy.conf"
  NGINX_PROXY_PID=$LAST_PID
  wait_http "nginx proxy" "$NGINX_PROXY_PORT" "$NGINX_PROXY_PID" "$WAIT_TRIES" "$TMP/nginx-proxy.log"
  mapfile -t _np < <(nginx_proxy_pids)
  log "nginx proxy up on 127.0.0.1:$NGINX_PROXY_PORT (pids:$(describe_pids "${_np[@]}"))"
  PROXIES_RUN+=(nginx)
fi

if want_mosn; then
  write_mosn_conf
  "$ROOT/bin/mosn" start -c "$TMP/mosn.json" >>"$TMP/mosn.log" 2>&1 &
  MOSN_PID=$!
  STARTED_PIDS+=("$MOSN_PID")
  wait_http "mosn4j" "$MOSN_PORT" "$MOSN_PID" $((WAIT_TRIES * 3)) "$TMP/mosn.log"
  mapfile -t _mp < <(mosn_pids)
  log "mosn4j up on 127.0.0.1:$MOSN_PORT (pids:$(describe_pids "${_mp[@]}"))"
  _java=0
  for p in "${_mp[@]}"; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == java ]] && _java=1; done
  ((_java)) || log "warning: no process named 'java' among the mosn4j pids; CPU figures cover pids:$(describe_pids "${_mp[@]}")"
  PROXIES_RUN+=(mosn4j)
fi

{
  printf '# mosn4j load benchmark %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '# case\tproxy\tmetric\tvalue\tunit\n'
  printf 'meta\trun\tduration_s\t%s\ts\n' "$DURATION"
  printf 'meta\trun\twarmup_s\t%s\ts\n' "$WARMUP"
  printf 'meta\trun\tconnections\t%s\tcount\n' "$CONNECTIONS"
  printf 'meta\trun\twrk_threads\t%s\tcount\n' "$WRK_THREADS"
  printf 'meta\trun\tproxy_workers\t%s\tcount\n' "$PROXY_WORKERS"
  printf 'meta\trun\tcpus\t%s\tcount\n' "$(nproc)"
  printf 'meta\trun\tgit_commit\t%s\t-\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
  printf 'meta\trun\tnginx_version\t%s\t-\n' "$("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///')"
} >"$OUT/results.tsv"

for c in $CASES; do
  want_nginx && bench "$c" nginx "$NGINX_PROXY_PORT" nginx_proxy_pids
  want_mosn && bench "$c" mosn4j "$MOSN_PORT" mosn_pids
  report "$c"
done

# a proxy that crashed under load shows up here rather than silently
want_nginx && { alive "$NGINX_PROXY_PID" || die "nginx proxy died during the run"; }
want_mosn && { [[ -n $(mosn_pids) ]] || die "mosn4j died during the run (see $OUT/logs/mosn.log)"; }
printf '\nresults: %s  (raw wrk output and logs in %s)\n' "$OUT/results.tsv" "$OUT"

#!/usr/bin/env bash
# mosn-bench/load.sh — side-by-side load benchmark: nginx (reference proxy) vs
# mosn4j, both in front of the same nginx backend (HTTP/1.1 keep-alive upstream),
# measured in one run, for HTTP/1.1 and h2c (HTTP/2 prior knowledge) clients; and
# for bolt (SOFARPC's protocol) clients, in front of a bolt echo server, with
# nginx's L4 stream proxy as the reference (it forwards bytes: no decoding,
# routing or id remapping, strictly less work than mosn4j's bolt proxy).
#
#   http1: wrk      ──► nginx proxy 127.0.0.1:$NGINX_PROXY_PORT ─┐
#          wrk      ──► mosn4j      127.0.0.1:$MOSN_PORT        ─┤
#   http1_rate: h2load --h1 at a fixed $RATE req/s ──► the same two proxies (http1's listeners)
#   http2: h2load   ──► nginx proxy 127.0.0.1:$NGINX_H2_PORT    ─┼─► nginx backend 127.0.0.1:$BACKEND_PORT
#          h2load   ──► mosn4j      127.0.0.1:$MOSN_H2_PORT     ─┘
#   bolt:  BoltLoad ──► nginx stream 127.0.0.1:$NGINX_BOLT_PORT ─┬─► BoltEchoServer 127.0.0.1:$BOLT_BACKEND_PORT
#          BoltLoad ──► mosn4j       127.0.0.1:$MOSN_BOLT_PORT  ─┘
#
# (BoltLoad and BoltEchoServer: io.mosn4j.bench.load in mosn-bench/target/benchmarks.jar, run
# with the same Java 25 as bin/mosn)
#
# HTTPS (TLS terminated by the proxy, plaintext HTTP/1.1 keep-alive to the backend), with a second
# mosn4j forced onto the JDK's TLS engine (-Dmosn4j.tls.engine=jdk) beside the BoringSSL one:
#   https_handshake: openssl s_time -new x HS_CLIENTS ──► nginx      127.0.0.1:$NGINX_TLS_PORT    (handshakes only:
#                    (a full TLS 1.3 handshake per       mosn4j     127.0.0.1:$MOSN_TLS_PORT      connect, handshake,
#                     connection, no resumption)         mosn4j-jdk 127.0.0.1:$MOSN_JDK_TLS_PORT  close; no request)
#   https_bulk:      wrk over TLS, keep-alive, GET /bulk ──► the same three ──► backend's $BULK_BYTES-byte body
# The certificate (ECDSA P-256, CN bench.local, signed by a CA made for the run) is generated with
# openssl into the temp dir; the clients do not check it.
#
# Usage:  mosn-bench/load.sh [--build] [--help]
#   --build   run `./mvnw -q -B -DskipTests package` in the repo root first
#
# Environment (all optional):
#   DURATION=15          seconds of each measured wrk run (wrk -d)
#   WARMUP=5             seconds of warm-up load before each measurement (0 = none)
#   WARMUP_RUNS=3        ... split into this many loads, each closing its connections at its end
#   CONNECTIONS=50       wrk -c / h2load -c (concurrent keep-alive connections)
#   WRK_THREADS=2        wrk -t and h2load -t
#   H2_STREAMS=10        h2load -m (concurrent streams per HTTP/2 connection)
#   RATE=50000           http1_rate: requests per second in all, spread over the CONNECTIONS (h2load --rps
#                        per connection). Every proxy gets the same load, below what it can serve: its CPU per
#                        request then does not depend on how often a slower proxy leaves the load generator
#                        and backend idle (a sleeping peer costs the proxy a wake-up per write)
#   PROXY_WORKERS=2      nginx proxy worker_processes and mosn4j "processor"
#   BACKEND_PORT=18080   backend nginx (1 worker)
#   NGINX_PROXY_PORT=18081  reference nginx proxy
#   MOSN_PORT=18082      mosn4j proxy
#   NGINX_H2_PORT=18083  reference nginx proxy, h2c listener
#   MOSN_H2_PORT=18084   mosn4j proxy, "downstream_protocol": "Http2" listener
#   BOLT_BACKEND_PORT=18085  bolt echo server (BoltEchoServer)
#   NGINX_BOLT_PORT=18086    reference nginx, stream (L4) proxy to the bolt backend
#   MOSN_BOLT_PORT=18087     mosn4j proxy, "downstream_protocol": "bolt" listener
#   BOLT_INFLIGHT=10     BoltLoad -m: bolt requests in flight per connection (pipelined)
#   BOLT_CONTENT=200     BoltLoad -s: bytes of request content (echoed back)
#   BOLT_CLIENT_THREADS=$WRK_THREADS  BoltLoad -t
#   BOLT_CLIENT_WARMUP=2 BoltLoad -w: seconds of load in the measured BoltLoad process before
#                        its window (JIT warm-up of the client; proxy CPU is read over the window)
#   BOLT_BACKEND_THREADS=1  BoltEchoServer event-loop threads
#   BOLT_JAVA_OPTS="-XX:+UseSerialGC -Xms256m -Xmx256m"  JVM options of BoltLoad and BoltEchoServer
#   NGINX_TLS_PORT=18088     reference nginx, HTTPS listener
#   MOSN_TLS_PORT=18089      mosn4j (BoringSSL through netty-tcnative), HTTPS listener
#   MOSN_JDK_TLS_PORT=18090  a second mosn4j on the JDK's TLS engine, HTTPS listener
#   HS_CLIENTS=4         https_handshake: parallel openssl s_time -new processes
#   BULK_BYTES=65536     https_bulk: bytes of the backend's /bulk body
#   IDLE_CONNS=10000     memory: idle keep-alive downstream connections held open (idle_conns.py)
#   MOSN_BIN=bin/mosn    the launcher to run: e.g. mosn-dist/target/image/bin/mosn for the packaged
#                        layout (its own runtime and AOT cache); MOSN_JAVA_OPTS passes JVM options
#   ONLY=                "nginx" or "mosn" to run only that proxy (default: both)
#   HTTP1_HEADERS=       "browser": the http1 and http1_close requests carry seven more fields as a
#                        browser's do (User-Agent, Accept, Accept-Language, Accept-Encoding, Referer,
#                        Cookie, X-Request-Id: ~330 bytes) besides wrk's Host; default: Host only
#   MOSN_ACCESS_LOG=     a file: mosn4j's HTTP/1.1 listener writes an access log there in MOSN's
#                        default format (default: none), to measure what access logging costs
#   MOSN_ACCESS_LOG_FORMAT=  that log's log_format (MOSN's %variable% syntax; default: MOSN's default format)
#   PROTO=all            h1, h2, bolt, tls, mem, body, tcp or all: the cases to run (h1: http1 and
#                        http1_close; h2: http2; bolt; tls: the two https_* cases; mem: memory and http1;
#                        body: down_64k down_1m up_64k up_1m; tcp; all: every case)
#   CASES=               the same as a list of case names ("memory http1 http1_close http1_rate http2 bolt
#                        https_handshake https_bulk down_64k down_1m up_64k up_1m tcp"); wins over PROTO.
#                        memory runs first if listed first. down_*: wrk GETs a 64 KiB / 1 MiB body from the
#                        backend through the proxy; up_*: wrk POSTs one (the backend answers "ok"); both
#                        proxies stream bodies (nginx: proxy_buffering and proxy_request_buffering off), and
#                        cpu_us/req over the body size is the CPU per byte moved. tcp: iperf3 (TCP_STREAMS
#                        streams, client to server) through nginx's L4 stream proxy and mosn4j's tcp_proxy;
#                        its "requests" are MB moved, so req/s is MB/s and cpu_us/req is CPU µs per MB
#   OUT=mosn-bench/target/load-results   where results.tsv, raw wrk output and logs go
#   WAIT_TRIES=100       readiness probes (0.1 s apart) per server; mosn4j gets 3x
#   KEEP_TMP=0           1 = keep the temp dir with generated configs/logs
#   MOSN_METRICS=on      on: mosn4j's metrics block has a Prometheus sink on $MOSN_METRICS_PORT (metrics
#                        kept per request, as by default); off: "stats_matcher": {"reject_all": true},
#                        nothing kept (to measure what metrics cost per request)
#   MOSN_METRICS_PORT=18096
#   MOSN_REUSEPORT=      mosn4j's listeners' "reuseport" (true: a listening socket per worker loop; false: one
#                        socket, read by one worker loop for all); unset: not written, mosn4j's default (true)
#   MOSN_CPUS=           a taskset CPU list for mosn4j (e.g. 1), so its CPU is not shared with wrk
#   PROXY_CPUS=          a taskset CPU list for both proxies (nginx's workers and mosn4j), e.g. 1; wins over
#                        MOSN_CPUS. With LOAD_CPUS, the issue's method: proxy on one core, the rest on the other
#   LOAD_CPUS=           a taskset CPU list for everything else this script starts (load generators,
#                        backends), e.g. 0
#   TCP_BACKEND_PORT=18091 NGINX_TCP_PORT=18092 MOSN_TCP_PORT=18093  the tcp case's iperf3 server and proxies
#   TCP_STREAMS=4        iperf3 -P: parallel TCP streams of the tcp case
#   HAPROXY=1            1: the http2 case also measures HAProxy (h2c front, HTTP/1.1 keep-alive to the same
#                        backend, nbthread = PROXY_WORKERS, pinned as nginx) as a second reference
#   HAPROXY_H2_PORT=18094
#   MOSN_FIRST=0         1: measure mosn4j before nginx in each case (rounds.sh alternates it per round)
#   MOSN_B=0             1: a second mosn4j ("mosn4j-b", the same launcher and pinning) on MOSN_B_PORT=18095 with
#                        its own metrics and access log settings, MOSN_B_METRICS=off and MOSN_B_ACCESS_LOG= (as
#                        MOSN_METRICS and MOSN_ACCESS_LOG set the first's), measured beside the first in the
#                        http1, http1_close, http1_rate and http2 (its h2c listener on MOSN_B_H2_PORT=18097)
#                        cases: with SLICES, what a setting costs, both
#                        settings seeing the same machine (obs-cost.sh SLICES=...). MOSN_B_BIN= (default
#                        MOSN_BIN) and MOSN_B_JAVA_OPTS= (default MOSN_JAVA_OPTS) give it another build or
#                        other JVM options, MOSN_B_REUSEPORT= (default MOSN_REUSEPORT) its listener's
#                        reuseport: an A/B of a change, slice by slice
#   SLICES=1             >1: measure each case in SLICES slices of DURATION s, the proxies taking turns (the order
#                        reversed every other slice), each warmed up once before its first slice; a figure is
#                        the median over the slices, and the slices' mosn4j/nginx CPU ratios are printed
#                        (median [range]). On a shared machine whose speed drifts over tens of seconds, a pair
#                        of slices a few seconds apart sees the same machine; whole runs minutes apart need not
#
# Prints a table per case (req/s, p50/p99/mean/max latency in ms, error counts, MB/s of response
# bodies for wrk's cases, proxy CPU time per request -- per handshake for https_handshake) and the
# mosn4j/nginx ratios (for https also mosn4j-jdk/nginx and mosn4j/mosn4j-jdk), and writes the same
# figures one per line to $OUT/results.tsv. Client, backend and proxies share the machine's cores, so
# compare the ratios within one run, not absolute numbers across machines.
#
# All traffic goes to 127.0.0.1 only; every load is bounded by wrk -d / h2load -D / BoltLoad -d; every
# process the script starts is stopped on exit (also on Ctrl-C or failure).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
WARMUP_RUNS=${WARMUP_RUNS:-3}
SLICES=${SLICES:-1}
CONNECTIONS=${CONNECTIONS:-50}
WRK_THREADS=${WRK_THREADS:-2}
PROXY_WORKERS=${PROXY_WORKERS:-2}
BACKEND_PORT=${BACKEND_PORT:-18080}
NGINX_PROXY_PORT=${NGINX_PROXY_PORT:-18081}
MOSN_PORT=${MOSN_PORT:-18082}
NGINX_H2_PORT=${NGINX_H2_PORT:-18083}
MOSN_H2_PORT=${MOSN_H2_PORT:-18084}
H2_STREAMS=${H2_STREAMS:-10}
RATE=${RATE:-50000}
BOLT_BACKEND_PORT=${BOLT_BACKEND_PORT:-18085}
NGINX_BOLT_PORT=${NGINX_BOLT_PORT:-18086}
MOSN_BOLT_PORT=${MOSN_BOLT_PORT:-18087}
BOLT_INFLIGHT=${BOLT_INFLIGHT:-10}
BOLT_CONTENT=${BOLT_CONTENT:-200}
BOLT_CLIENT_THREADS=${BOLT_CLIENT_THREADS:-$WRK_THREADS}
BOLT_CLIENT_WARMUP=${BOLT_CLIENT_WARMUP:-2}
BOLT_BACKEND_THREADS=${BOLT_BACKEND_THREADS:-1}
BOLT_JAVA_OPTS=${BOLT_JAVA_OPTS:--XX:+UseSerialGC -Xms256m -Xmx256m}
NGINX_TLS_PORT=${NGINX_TLS_PORT:-18088}
MOSN_TLS_PORT=${MOSN_TLS_PORT:-18089}
MOSN_JDK_TLS_PORT=${MOSN_JDK_TLS_PORT:-18090}
HS_CLIENTS=${HS_CLIENTS:-4}
IDLE_CONNS=${IDLE_CONNS:-10000}
MOSN_REUSEPORT=${MOSN_REUSEPORT:-}
MOSN_CPUS=${PROXY_CPUS:-${MOSN_CPUS:-}}   # PROXY_CPUS pins both proxies; MOSN_CPUS alone only mosn4j
NGINX_CPUS=${PROXY_CPUS:-}
LOAD_CPUS=${LOAD_CPUS:-}
TCP_BACKEND_PORT=${TCP_BACKEND_PORT:-18091}
NGINX_TCP_PORT=${NGINX_TCP_PORT:-18092}
MOSN_TCP_PORT=${MOSN_TCP_PORT:-18093}
TCP_STREAMS=${TCP_STREAMS:-4}
MOSN_FIRST=${MOSN_FIRST:-0}
MOSN_B=${MOSN_B:-0}
MOSN_B_PORT=${MOSN_B_PORT:-18095}
MOSN_B_H2_PORT=${MOSN_B_H2_PORT:-18097}
HAPROXY=${HAPROXY:-1}
HAPROXY_H2_PORT=${HAPROXY_H2_PORT:-18094}
MOSN_BIN=${MOSN_BIN:-$ROOT/bin/mosn}
[[ $MOSN_BIN == /* ]] || MOSN_BIN=$PWD/$MOSN_BIN
[[ -z ${MOSN_B_BIN:-} || $MOSN_B_BIN == /* ]] || MOSN_B_BIN=$PWD/$MOSN_B_BIN
BULK_BYTES=${BULK_BYTES:-65536}
BOLT_SERVICE="com.example.EchoService:1.0"
ONLY=${ONLY:-}
PROTO=${PROTO:-all}
case "$PROTO" in
  h1) PROTO_CASES="http1 http1_close" ;;
  h2) PROTO_CASES=http2 ;;
  bolt) PROTO_CASES=bolt ;;
  tls) PROTO_CASES="https_handshake https_bulk" ;;
  mem) PROTO_CASES="memory http1" ;;
  body) PROTO_CASES="down_64k down_1m up_64k up_1m" ;;
  tcp) PROTO_CASES=tcp ;;
  all) PROTO_CASES="memory http1 http1_close http2 bolt https_handshake https_bulk down_64k down_1m up_64k up_1m tcp" ;;
  *) printf '[load.sh] ERROR: PROTO must be h1, h2, bolt, tls, mem, body, tcp or all (got %s)\n' "$PROTO" >&2; exit 1 ;;
esac
CASES=${CASES:-$PROTO_CASES}
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
for v in DURATION WARMUP WARMUP_RUNS CONNECTIONS WRK_THREADS RATE PROXY_WORKERS BACKEND_PORT NGINX_PROXY_PORT MOSN_PORT \
         NGINX_H2_PORT MOSN_H2_PORT H2_STREAMS WAIT_TRIES BOLT_BACKEND_PORT NGINX_BOLT_PORT MOSN_BOLT_PORT \
         BOLT_INFLIGHT BOLT_CONTENT BOLT_CLIENT_THREADS BOLT_CLIENT_WARMUP BOLT_BACKEND_THREADS \
         NGINX_TLS_PORT MOSN_TLS_PORT MOSN_JDK_TLS_PORT HS_CLIENTS BULK_BYTES IDLE_CONNS \
         TCP_BACKEND_PORT NGINX_TCP_PORT MOSN_TCP_PORT TCP_STREAMS HAPROXY_H2_PORT SLICES MOSN_B MOSN_B_PORT MOSN_B_H2_PORT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer (got '${!v}')"
done
((DURATION > 0 && WARMUP_RUNS > 0 && CONNECTIONS > 0 && WRK_THREADS > 0 && PROXY_WORKERS > 0 && H2_STREAMS > 0)) \
  || die "DURATION, WARMUP_RUNS, CONNECTIONS, WRK_THREADS, PROXY_WORKERS and H2_STREAMS must be > 0"
((BOLT_INFLIGHT > 0 && BOLT_CLIENT_THREADS > 0 && BOLT_BACKEND_THREADS > 0)) \
  || die "BOLT_INFLIGHT, BOLT_CLIENT_THREADS and BOLT_BACKEND_THREADS must be > 0"
((HS_CLIENTS > 0 && BULK_BYTES > 0)) || die "HS_CLIENTS and BULK_BYTES must be > 0"
((CONNECTIONS >= WRK_THREADS)) || die "CONNECTIONS must be >= WRK_THREADS (wrk and h2load requirement)"

want_nginx() { [[ -z $ONLY || $ONLY == nginx ]]; }
want_mosn()  { [[ -z $ONLY || $ONLY == mosn ]]; }
want_case()  { [[ " $CASES " == *" $1 "* ]]; }
want_tls()   { want_case https_handshake || want_case https_bulk; }
want_body()  { want_case down_64k || want_case down_1m || want_case up_64k || want_case up_1m; }
want_wrk()   { want_case http1 || want_case http1_close || want_case https_bulk || want_body; }
want_stream() { want_case bolt || want_case tcp; }
want_haproxy() { want_case http2 && want_nginx && [[ $HAPROXY == 1 ]]; }
tls_case()   { [[ $1 == https_* ]]; }
if want_case http1_rate; then
  ((RATE >= CONNECTIONS)) || die "RATE must be >= CONNECTIONS (each connection sends RATE / CONNECTIONS requests a second)"
fi

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
  if [[ -n $TMP && -f $TMP/mosn-jdk.json ]]; then
    # shellcheck disable=SC2207
    pids+=($(pgrep -f -- "$TMP/mosn-jdk.json" 2>/dev/null || true))
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

# nginx's stream (L4 proxy) module for the bolt case: built in, or (Debian) the dynamic module of
# the libnginx-mod-stream package, loaded by path with load_module
NGINX_STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
nginx_stream_dynamic() { "$NGINX_BIN" -V 2>&1 | grep -q -- '--with-stream=dynamic'; }
nginx_has_stream() {
  [[ -n $NGINX_BIN ]] || return 1
  if nginx_stream_dynamic; then [[ -f $NGINX_STREAM_MODULE ]]; else "$NGINX_BIN" -V 2>&1 | grep -q -- '--with-stream\b'; fi
}

# JAVA: Java 25 or newer, looked up as bin/mosn does (for BoltLoad and BoltEchoServer): JAVA_HOME, the
# runtime the build linked, the PATH's java
JAVA=""
find_java() {
  local c
  for c in "${JAVA_HOME:-}/bin/java" "$ROOT/mosn-dist/target/image/runtime/bin/java" "$(command -v java || true)"; do
    if [[ -n $c && -x $c ]] && "$c" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then JAVA=$c; return 0; fi
  done
  return 1
}

ensure_deps() {
  local missing=()
  find_nginx || missing+=(nginx)
  if want_wrk; then command -v wrk >/dev/null || missing+=(wrk); fi
  if want_tls; then command -v openssl >/dev/null || missing+=(openssl); fi
  if want_case http2 || want_case http1_rate; then command -v h2load >/dev/null || missing+=(nghttp2-client); fi
  if want_case bolt; then
    find_java || die "the bolt case needs Java 25 or newer for BoltLoad/BoltEchoServer (set JAVA_HOME, or ./mvnw package first)"
  fi
  if want_stream && { [[ -z $NGINX_BIN ]] || ! nginx_has_stream; }; then missing+=(libnginx-mod-stream); fi
  if want_case tcp; then command -v iperf3 >/dev/null || missing+=(iperf3); fi
  if want_haproxy; then command -v haproxy >/dev/null || missing+=(haproxy); fi
  if want_case memory; then command -v python3 >/dev/null || missing+=(python3); fi
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
  if want_wrk; then command -v wrk >/dev/null || die "wrk still not found after install"; fi
  if want_case tcp; then command -v iperf3 >/dev/null || die "iperf3 still not found after install"; fi
  if want_haproxy; then command -v haproxy >/dev/null || die "haproxy still not found after install"; fi
  if want_tls; then command -v openssl >/dev/null || die "openssl still not found after install"; fi
  if want_case http2 || want_case http1_rate; then command -v h2load >/dev/null || die "h2load still not found after install"; fi
  if want_stream; then nginx_has_stream || die "nginx's stream module still not found after install ($NGINX_STREAM_MODULE)"; fi
}

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http NAME PORT PID TRIES LOGFILE [CURL_ARGS...]: until GET / answers with the backend's body
wait_http() { wait_url "$1" "http://127.0.0.1:$2/" "${@:3}"; }
# wait_https: the same over TLS (the certificate is not checked: -k)
wait_https() { wait_url "$1" "https://127.0.0.1:$2/" "${@:3}" -k; }

# wait_url NAME URL PID TRIES LOGFILE [CURL_ARGS...]
wait_url() {
  local name=$1 url=$2 pid=$3 tries=$4 logf=$5 i body
  shift 5
  for ((i = 0; i < tries; i++)); do
    if ! alive "$pid"; then
      log "$name (pid $pid) exited during start-up; last lines of $logf:"
      tail -n 30 "$logf" >&2 2>/dev/null || true
      die "$name did not start (logs are copied to $OUT/logs/)"
    fi
    if body=$(curl -sS --max-time 1 "$@" "$url" 2>/dev/null); then
      [[ $body == "$BODY" ]] && return 0
    fi
    sleep 0.1
  done
  log "$name did not answer on $url after $tries tries; last response: '${body:-<none>}'; last lines of $logf:"
  tail -n 30 "$logf" >&2 2>/dev/null || true
  die "$name not ready (logs are copied to $OUT/logs/)"
}

# bolt_java CLASS ARGS...: a class of io.mosn4j.bench.load from benchmarks.jar on $JAVA
BENCH_JAR=$SCRIPT_DIR/target/benchmarks.jar
bolt_java() {
  local cls=$1
  shift
  # shellcheck disable=SC2086
  "$JAVA" $BOLT_JAVA_OPTS --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$BENCH_JAR" "io.mosn4j.bench.load.$cls" "$@"
}

# wait_bolt NAME PORT PID TRIES LOGFILE: until the port accepts connections and a BoltLoad --probe
# (one heartbeat and one request with the bench's service header) is answered with status 0
wait_bolt() {
  local name=$1 port=$2 pid=$3 tries=$4 logf=$5 i j out=""
  for ((i = 0; i < tries; i++)); do
    if ! alive "$pid"; then
      log "$name (pid $pid) exited during start-up; last lines of $logf:"
      tail -n 30 "$logf" >&2 2>/dev/null || true
      die "$name did not start (logs are copied to $OUT/logs/)"
    fi
    if port_in_use "$port"; then
      for ((j = 0; j < 3; j++)); do
        if out=$(bolt_java BoltLoad --probe -s "$BOLT_CONTENT" --service "$BOLT_SERVICE" "127.0.0.1:$port" 2>&1); then
          return 0
        fi
        sleep 0.5
      done
      break
    fi
    sleep 0.1
  done
  log "$name: no bolt answer on 127.0.0.1:$port; probe said: ${out:-<not listening>}; last lines of $logf:"
  tail -n 30 "$logf" >&2 2>/dev/null || true
  die "$name not ready for bolt (logs are copied to $OUT/logs/)"
}

# proc_ticks PID...: "TOTAL USER": utime+stime, and utime alone (the CPU spent outside the kernel),
# in clock ticks summed over the given pids, from one read of each /proc/PID/stat
proc_ticks() {
  local p total=0 user=0 st rest
  for p in "$@"; do
    st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${st##*) }                  # fields from 3 (state) on; comm may hold spaces
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))  # fields 14 (utime) and 15 (stime)
    user=$((user + ${12}))
  done
  echo "$total $user"
}

# proc_rss_kb PID...: resident set size (VmRSS, KiB) summed over the given pids (nginx: master and
# workers, whose shared pages are counted once per process, as ps and top count them)
proc_rss_kb() {
  local p total=0 kb
  for p in "$@"; do
    kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# pid_tree PID: PID and its descendants, still alive
pid_tree() { if alive "$1"; then echo "$1"; descendants "$1"; fi; }

start_nginx() { # NAME CONF [CPUS] -> sets LAST_PID
  local name=$1 conf=$2 pin=()
  [[ -n ${3:-} ]] && pin=(taskset -c "$3")
  "$NGINX_BIN" -t -q -c "$conf" -p "$TMP/$name" -e "$TMP/$name.log" \
    || die "generated $name config $conf is invalid"
  "${pin[@]}" "$NGINX_BIN" -c "$conf" -p "$TMP/$name" -e "$TMP/$name.log" -g 'daemon off;' \
    >>"$TMP/$name.stdout.log" 2>&1 &
  LAST_PID=$!
  STARTED_PIDS+=("$LAST_PID")
}

# nginx_h2c_listen PORT: the h2c (prior knowledge, no TLS) listen directives for this nginx:
# "listen ... http2;" before 1.25.1, "listen ...; http2 on;" from 1.25.1 (the old form is deprecated)
nginx_h2c_listen() {
  local v
  v=$("$NGINX_BIN" -v 2>&1 | sed -n 's#.*nginx/\([0-9.]*\).*#\1#p')
  if [[ -n $v && $(printf '%s\n1.25.1\n' "$v" | sort -V | head -n1) == 1.25.1 ]]; then
    printf 'listen 127.0.0.1:%s;\n        http2 on;' "$1"
  else
    printf 'listen 127.0.0.1:%s http2;' "$1"
  fi
}

# make_certs: a CA and a server certificate for bench.local (ECDSA P-256, as a current web
# certificate), both only for this run; nginx and both mosn4j serve the same one
make_certs() {
  local d=$TMP/certs
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
    -days 2 -subj /CN=mosn4j-bench-ca 2>/dev/null || die "openssl could not make the CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
    -subj /CN=bench.local 2>/dev/null || die "openssl could not make the server key"
  printf 'subjectAltName=DNS:bench.local,IP:127.0.0.1\n' >"$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null || die "openssl could not sign the server certificate"
  chmod 644 "$d"/*
}

write_nginx_confs() {
  mkdir -p "$TMP/backend" "$TMP/nginx-proxy"
  local h2_server="" keepalive=64 load_module="" stream_block="" stream_servers="" tls_server="" bulk_location="" wc=4096
  local body_backend="" body_proxy=""
  # the memory case's idle connections may all land on one worker
  if want_case memory && ((IDLE_CONNS + 1024 > wc)); then wc=$((IDLE_CONNS + 1024)); fi
  # idle upstream connections nginx keeps per worker: at least the requests in flight, or it
  # opens and closes an upstream connection for each request above the cap (h2: -c x -m)
  if want_case http2 && ((CONNECTIONS * H2_STREAMS > keepalive)); then keepalive=$((CONNECTIONS * H2_STREAMS)); fi
  if want_case http2; then
    # same upstream pool and proxy settings as the HTTP/1 server: only the client side differs
    h2_server="
    server {
        $(nginx_h2c_listen "$NGINX_H2_PORT")
        http2_max_concurrent_streams 128;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
  fi
  if want_tls; then
    # the same upstream pool and proxy settings; nginx's defaults otherwise (TLS 1.2 and 1.3, session
    # tickets on with a key per start, as mosn4j's), on the system's OpenSSL
    tls_server="
    server {
        listen 127.0.0.1:$NGINX_TLS_PORT ssl;
        ssl_certificate $TMP/certs/server.pem;
        ssl_certificate_key $TMP/certs/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
    head -c "$BULK_BYTES" /dev/urandom >"$TMP/backend/bulk.bin"
    chmod 644 "$TMP/backend/bulk.bin"
    bulk_location="
        location = /bulk { default_type application/octet-stream; alias $TMP/backend/bulk.bin; }"
  fi
  if want_body; then
    # the body cases: files of 64 KiB and 1 MiB to GET, a sink that reads a POSTed body and answers
    # "ok"; the proxy streams both ways (by default nginx would buffer a large body in a temp file)
    head -c 65536 /dev/urandom >"$TMP/backend/b64k.bin"
    head -c 1048576 /dev/urandom >"$TMP/backend/b1m.bin"
    chmod 644 "$TMP/backend/b64k.bin" "$TMP/backend/b1m.bin"
    body_backend="
        location = /body/64k { default_type application/octet-stream; alias $TMP/backend/b64k.bin; }
        location = /body/1m { default_type application/octet-stream; alias $TMP/backend/b1m.bin; }
        location = /body/sink { client_max_body_size 2m; client_body_buffer_size 2m; return 200 \"ok\\n\"; }"
    body_proxy="
        location ^~ /body/ {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering off;
            proxy_request_buffering off;
            client_max_body_size 2m;
        }"
  fi
  if want_case bolt; then
    # L4 reference for bolt: one upstream connection per client connection, bytes copied both
    # ways; nginx parses no frame, picks no route and rewrites no request id
    stream_servers="
    upstream bolt_backend {
        server 127.0.0.1:$BOLT_BACKEND_PORT;
    }
    server {
        listen 127.0.0.1:$NGINX_BOLT_PORT;
        proxy_pass bolt_backend;
    }"
  fi
  if want_case tcp; then
    # L4 reference for mosn4j's tcp_proxy: bytes copied both ways
    stream_servers="$stream_servers
    server {
        listen 127.0.0.1:$NGINX_TCP_PORT;
        proxy_pass 127.0.0.1:$TCP_BACKEND_PORT;
    }"
  fi
  if want_stream; then
    nginx_stream_dynamic && load_module="load_module $NGINX_STREAM_MODULE;
"
    stream_block="
stream {$stream_servers
}"
  fi
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
        location / { return 200 "$BODY\n"; }$bulk_location$body_backend
    }
}
EOF
  cat >"$TMP/nginx-proxy.conf" <<EOF
${load_module}worker_processes $PROXY_WORKERS;
worker_rlimit_nofile $((wc + 1024));
pid $TMP/nginx-proxy/nginx.pid;
error_log $TMP/nginx-proxy.log warn;
events { worker_connections $wc; }
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
        keepalive $keepalive;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGINX_PROXY_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }$body_proxy
    }$h2_server$tls_server
}$stream_block
EOF
}

# HAProxy for the http2 case: h2c in front (prior knowledge), HTTP/1.1 keep-alive connections to the
# same backend reused across client streams, as many threads as the other proxies' workers
write_haproxy_conf() {
  cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread $PROXY_WORKERS
    maxconn 8000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
    http-reuse always
frontend fe_h2c
    bind 127.0.0.1:$HAPROXY_H2_PORT proto h2
    default_backend be
backend be
    server backend 127.0.0.1:$BACKEND_PORT
EOF
}
HAPROXY_PID=""
haproxy_pids() { pid_tree "$HAPROXY_PID"; }

# tls_listener NAME PORT: an HTTP/1.1 listener terminating TLS with the run's certificate
tls_listener() {
  printf ',
     {"name": "%s", "address": "127.0.0.1:%s", "bind_port": true,'"$(reuseport_json)"'
      "filter_chains": [{"tls_context": {"status": true, "cert_chain": "%s", "private_key": "%s"},
        "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "bench_router"}}]}]}' \
    "$1" "$2" "$TMP/certs/server.pem" "$TMP/certs/server.key"
}

# the second mosn4j, on the JDK's TLS engine: only the HTTPS listener
write_mosn_jdk_conf() {
  cat >"$TMP/mosn-jdk.json" <<EOF
{
  "servers": [{
    "default_log_path": "stdout", "default_log_level": "WARN", "processor": $PROXY_WORKERS,
    "routers": [{"router_config_name": "bench_router", "virtual_hosts": [{"name": "bench", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
    "listeners": [$(tls_listener bench_tls_jdk "$MOSN_JDK_TLS_PORT" | sed '1s/^,//')]
  }],
  "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:$BACKEND_PORT"}]}]}
}
EOF
}

# reuseport_json: a listener's "reuseport" field from MOSN_REUSEPORT (nothing when unset), for every
# mosn4j config the run writes
reuseport_json() {
  case $MOSN_REUSEPORT in
    "") ;;
    true | false) printf ' "reuseport": %s,' "$MOSN_REUSEPORT" ;;
    *) die "MOSN_REUSEPORT must be true, false or unset (got $MOSN_REUSEPORT)" ;;
  esac
}

write_mosn_conf() { # [FILE] (default $TMP/mosn.json)
  local reuseport_field
  reuseport_field=$(reuseport_json)
  local out=${1:-$TMP/mosn.json} h2_listener="" bolt_listener="" bolt_router="" bolt_cluster="" tls_listeners="" tcp_listener="" tcp_cluster=""
  if want_case tcp; then
    tcp_listener=",
     {\"name\": \"bench_tcp\", \"address\": \"127.0.0.1:$MOSN_TCP_PORT\", \"bind_port\": true,$reuseport_field
      \"filter_chains\": [{\"filters\": [{\"type\": \"tcp_proxy\", \"config\": {\"cluster\": \"tcp_backend\"}}]}]}"
    tcp_cluster=",
    {\"name\": \"tcp_backend\", \"type\": \"SIMPLE\", \"lb_type\": \"LB_ROUNDROBIN\", \"hosts\": [{\"address\": \"127.0.0.1:$TCP_BACKEND_PORT\"}]}"
  fi
  if want_case http2; then
    h2_listener=",
     {\"name\": \"bench_h2\", \"address\": \"127.0.0.1:$MOSN_H2_PORT\", \"bind_port\": true,$reuseport_field
      \"filter_chains\": [{\"filters\": [{\"type\": \"proxy\", \"config\": {\"downstream_protocol\": \"Http2\", \"upstream_protocol\": \"Http1\", \"router_config_name\": \"bench_router\"}}]}]}"
  fi
  if want_tls; then
    tls_listeners=$(tls_listener bench_tls "$MOSN_TLS_PORT")
  fi
  if want_case bolt; then
    # bolt in and out: each frame decoded, routed on its header map's "service", its id remapped
    # onto the upstream connection's own ids and back
    bolt_listener=",
     {\"name\": \"bench_bolt\", \"address\": \"127.0.0.1:$MOSN_BOLT_PORT\", \"bind_port\": true,$reuseport_field
      \"filter_chains\": [{\"filters\": [{\"type\": \"proxy\", \"config\": {\"downstream_protocol\": \"bolt\", \"upstream_protocol\": \"bolt\", \"router_config_name\": \"bolt_router\"}}]}]}"
    bolt_router=",
      {\"router_config_name\": \"bolt_router\", \"virtual_hosts\": [{\"name\": \"bolt\", \"domains\": [\"*\"], \"routers\": [{\"match\": {\"headers\": [{\"name\": \"service\", \"value\": \".*\"}]}, \"route\": {\"cluster_name\": \"bolt_backend\"}}]}]}"
    bolt_cluster=",
    {\"name\": \"bolt_backend\", \"type\": \"SIMPLE\", \"lb_type\": \"LB_ROUNDROBIN\", \"hosts\": [{\"address\": \"127.0.0.1:$BOLT_BACKEND_PORT\"}]}"
  fi
  local metrics
  if [[ ${MOSN_METRICS:-on} == off ]]; then
    metrics='"metrics": {"stats_matcher": {"reject_all": true}},'
  else
    metrics="\"metrics\": {\"sinks\": [{\"type\": \"prometheus\", \"config\": {\"port\": ${MOSN_METRICS_PORT:-18096}}}]},"
  fi
  local access_logs=""
  if [[ -n ${MOSN_ACCESS_LOG:-} ]]; then
    local format=""
    [[ -n ${MOSN_ACCESS_LOG_FORMAT:-} ]] && format=", \"log_format\": \"$MOSN_ACCESS_LOG_FORMAT\""
    access_logs="
      \"access_logs\": [{\"log_path\": \"$MOSN_ACCESS_LOG\"$format}],"
  fi
  cat >"$out" <<EOF
{
  $metrics
  "servers": [{
    "default_log_path": "stdout", "default_log_level": "WARN", "processor": $PROXY_WORKERS,
    "routers": [{"router_config_name": "bench_router", "virtual_hosts": [{"name": "bench", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}$bolt_router],
    "listeners": [{"name": "bench", "address": "127.0.0.1:$MOSN_PORT", "bind_port": true,$reuseport_field$access_logs
      "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "bench_router"}}]}]}$h2_listener$bolt_listener$tls_listeners$tcp_listener]
  }],
  "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:$BACKEND_PORT"}]}$bolt_cluster$tcp_cluster]}
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

# the bolt case's client and backend come from mosn-bench's shaded jar (built by the same package run)
check_bench_jar() {
  if ((BUILD)) && ! want_mosn; then   # else check_mosn_build has just built everything
    log "building: (cd $ROOT && ./mvnw -q -B -DskipTests package)"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package) || die "build failed"
  fi
  [[ -f $BENCH_JAR ]] \
    || die "the bolt case needs $BENCH_JAR: (cd $ROOT && ./mvnw -q -DskipTests package), or run this script with --build"
}

# mosn_pids: the launcher, its descendants and any process carrying our unique config path
MOSN_PID=""
mosn_pids() {
  { pid_tree "$MOSN_PID"; pgrep -f -- "$TMP/mosn.json" 2>/dev/null || true; } | sort -un
}
nginx_proxy_pids() { pid_tree "$NGINX_PROXY_PID"; }
MOSN_JDK_PID=""
MOSN_B_PID=""
mosn_b_pids() {
  { pid_tree "$MOSN_B_PID"; pgrep -f -- "$TMP/mosn-b.json" 2>/dev/null || true; } | sort -un
}
mosn_jdk_pids() {
  { pid_tree "$MOSN_JDK_PID"; pgrep -f -- "$TMP/mosn-jdk.json" 2>/dev/null || true; } | sort -un
}

describe_pids() {
  local p
  for p in "$@"; do printf ' %s(%s)' "$p" "$(cat "/proc/$p/comm" 2>/dev/null || echo '?')"; done
}

# --------------------------------------------------------------------------
# Load generators. For each case: port_<case> PROXY gives the port, load_<case>
# PORT SECONDS OUTFILE [LATENCY_LOG] runs one load and leaves its raw output in
# OUTFILE, parse_<case> OUTFILE [LATENCY_LOG] turns it into metrics, and
# TOOL[<case>] names the generator.
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

declare -A TOOL=([http1]=wrk [http1_close]=wrk [http1_rate]=h2load [http2]=h2load [bolt]=boltload [https_handshake]=s_time [https_bulk]=wrk
  [down_64k]=wrk [down_1m]=wrk [up_64k]=wrk [up_1m]=wrk [tcp]=iperf3)

port_http1() { if [[ $1 == nginx ]]; then echo "$NGINX_PROXY_PORT"; else echo "$MOSN_PORT"; fi; }
port_http1_close() { port_http1 "$1"; }
port_http1_rate() { port_http1 "$1"; }
port_http2() { if [[ $1 == nginx ]]; then echo "$NGINX_H2_PORT"; else echo "$MOSN_H2_PORT"; fi; }

# HTTP1_HEADERS=browser: the fields a browser's request carries besides Host
HTTP1_EXTRA=()
case "${HTTP1_HEADERS:-}" in
  "") ;;
  browser) HTTP1_EXTRA=(
    -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
    -H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
    -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br'
    -H 'Referer: http://127.0.0.1/' -H 'Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark'
    -H 'X-Request-Id: 6e1b0c1e-2f3a-4a5b-9c8d-0e1f2a3b4c5d') ;;
  *) die "HTTP1_HEADERS must be empty or 'browser' (got '$HTTP1_HEADERS')" ;;
esac

load_http1() { # PORT SECONDS OUTFILE
  run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "${HTTP1_EXTRA[@]}" "http://127.0.0.1:$1/" >"$3" 2>&1
}

# a new connection per request: wrk sends "Connection: close", the proxy answers and closes, wrk
# connects again (the proxies keep their upstream connections to the backend alive)
load_http1_close() { # PORT SECONDS OUTFILE
  run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency -H 'Connection: close' "${HTTP1_EXTRA[@]}" "http://127.0.0.1:$1/" >"$3" 2>&1
}

# h2c with prior knowledge (h2load's default for http:// URLs); with LATENCY_LOG, one line per
# request (start us, status, duration us) for the percentiles h2load does not print
load_http2() { # PORT SECONDS OUTFILE [LATENCY_LOG]
  local log=()
  [[ -n ${4:-} ]] && log=(--log-file="$4")
  run_load h2load -D "$2" -c "$CONNECTIONS" -m "$H2_STREAMS" -t "$WRK_THREADS" "${log[@]}" "http://127.0.0.1:$1/" >"$3" 2>&1
}

# keep-alive at a fixed rate (RATE in all); with LATENCY_LOG, one line per request as in http2
load_http1_rate() { # PORT SECONDS OUTFILE [LATENCY_LOG]
  local log=()
  [[ -n ${4:-} ]] && log=(--log-file="$4")
  run_load h2load --h1 -D "$2" -c "$CONNECTIONS" -t "$WRK_THREADS" --rps="$((RATE / CONNECTIONS))" "${log[@]}" \
    "http://127.0.0.1:$1/" >"$3" 2>&1
}

port_bolt() { if [[ $1 == nginx ]]; then echo "$NGINX_BOLT_PORT"; else echo "$MOSN_BOLT_PORT"; fi; }

# bodies: the HTTP/1.1 keep-alive listener, a 64 KiB or 1 MiB response (down) or request (up) body each
port_down_64k() { port_http1 "$1"; }
port_down_1m() { port_http1 "$1"; }
port_up_64k() { port_http1 "$1"; }
port_up_1m() { port_http1 "$1"; }
load_down_64k() { run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "http://127.0.0.1:$1/body/64k" >"$3" 2>&1; }
load_down_1m() { run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "http://127.0.0.1:$1/body/1m" >"$3" 2>&1; }
# post_script BYTES: a wrk script POSTing BYTES of body to /body/sink
post_script() {
  local f="$TMP/post-$1.lua"
  [[ -f $f ]] || printf 'wrk.method = "POST"\nwrk.path = "/body/sink"\nwrk.headers["Content-Type"] = "application/octet-stream"\nwrk.body = string.rep("x", %s)\n' "$1" >"$f"
  echo "$f"
}
load_up_64k() { run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency -s "$(post_script 65536)" "http://127.0.0.1:$1/body/sink" >"$3" 2>&1; }
load_up_1m() { run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency -s "$(post_script 1048576)" "http://127.0.0.1:$1/body/sink" >"$3" 2>&1; }
parse_down_64k() { parse_wrk "$1"; }
parse_down_1m() { parse_wrk "$1"; }
parse_up_64k() { parse_wrk "$1"; }
parse_up_1m() { parse_wrk "$1"; }

# tcp: iperf3 (client to server, TCP_STREAMS streams) through the proxy to the iperf3 server
port_tcp() { if [[ $1 == nginx ]]; then echo "$NGINX_TCP_PORT"; else echo "$MOSN_TCP_PORT"; fi; }
load_tcp() { # PORT SECONDS OUTFILE
  run_load iperf3 -c 127.0.0.1 -p "$1" -t "$2" -P "$TCP_STREAMS" -J >"$3" 2>&1
}
# parse_tcp FILE -> the common columns with MB (10^6 bytes) as the unit of work: MB/s in the req/s
# column, MB moved as requests, no latencies
parse_tcp() {
  python3 - "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    e = d["end"]["sum_received"]
    mb = e["bytes"] / 1e6
    print("%.1f n/a n/a n/a n/a %d 0 0 %.2f" % (mb / e["seconds"], mb, e["seconds"]))
except Exception:
    print("n/a n/a n/a n/a n/a n/a n/a n/a n/a")
PY
}

# the HTTPS cases: nginx, mosn4j (BoringSSL) and mosn4j-jdk (the JDK's engine)
port_tls() { case $1 in nginx) echo "$NGINX_TLS_PORT" ;; mosn) echo "$MOSN_TLS_PORT" ;; mosn-jdk) echo "$MOSN_JDK_TLS_PORT" ;; esac; }
port_https_handshake() { port_tls "$1"; }
port_https_bulk() { port_tls "$1"; }

# HS_CLIENTS openssl s_time processes, each connecting, making a full handshake (-new: never
# resuming) and closing, again and again for SECONDS; their outputs one after another in OUTFILE,
# with the wall time of the whole run last ("STIME elapsed_s=...")
stime_all() { # PORT SECONDS OUTFILE
  local i t0 t1 pids=() rc=0
  t0=$(date +%s.%N)
  for ((i = 0; i < HS_CLIENTS; i++)); do
    openssl s_time -connect "127.0.0.1:$1" -new -time "$2" >"$3.$i" 2>&1 &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  t1=$(date +%s.%N)
  for ((i = 0; i < HS_CLIENTS; i++)); do cat "$3.$i"; rm -f "$3.$i"; done >"$3"
  printf 'STIME elapsed_s=%s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" >>"$3"
  return "$rc"
}
load_https_handshake() { # PORT SECONDS OUTFILE
  run_load stime_all "$1" "$2" "$3"
}

# wrk over TLS (its OpenSSL, TLS 1.3), keep-alive connections, the backend's BULK_BYTES body each
load_https_bulk() { # PORT SECONDS OUTFILE
  run_load wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "https://127.0.0.1:$1/bulk" >"$3" 2>&1
}

# bolt v1 rpc requests, CONNECTIONS x BOLT_INFLIGHT in flight (like h2load -c x -m). The measured
# run (bench sets LOAD_CPU_PIDS) first loads for BOLT_CLIENT_WARMUP s in the same JVM, then reads
# the proxy's CPU time itself at the start and end of its window (proxy_cpu_ticks, see cpu_ticks_bolt)
load_bolt() { # PORT SECONDS OUTFILE [LATENCY_LOG (unused)]
  local extra=()
  if ((${#LOAD_CPU_PIDS[@]})); then
    extra=(-w "$BOLT_CLIENT_WARMUP" --cpu-pids "$(IFS=,; echo "${LOAD_CPU_PIDS[*]}")")
  fi
  run_load bolt_java BoltLoad -c "$CONNECTIONS" -m "$BOLT_INFLIGHT" -d "$2" -t "$BOLT_CLIENT_THREADS" \
    -s "$BOLT_CONTENT" --service "$BOLT_SERVICE" "${extra[@]}" "127.0.0.1:$1" >"$3" 2>&1
}

parse_http1() { parse_wrk "$1"; }
parse_http1_close() { parse_wrk "$1"; }
parse_https_bulk() { parse_wrk "$1"; }

# parse_https_handshake FILE -> the same columns: handshakes/s, no latencies, handshakes, 0, lines
# saying an error, elapsed wall time (from s_time's "N connections in T real seconds", summed)
parse_https_handshake() {
  awk '
    / connections in [0-9]+ real seconds/ { n += $1; runs++ }
    /[Ee]rror|ERROR|[Ff]ailed/             { err++ }
    /^STIME / { split($2, kv, "="); el = kv[2] }
    END {
      if (!runs || el <= 0) { print "n/a n/a n/a n/a n/a n/a n/a n/a n/a"; exit }
      printf "%.1f n/a n/a n/a n/a %d 0 %d %.2f\n", n / el, n, err, el
    }' "$1"
}

# mb_per_s FILE: wrk's "Transfer/sec" in MB/s (10^6 bytes); n/a for the other tools
mb_per_s() {
  awk '/^Transfer\/sec:/ { v = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u)
         f = (u == "GB") ? 1073741824 : (u == "MB") ? 1048576 : (u == "KB") ? 1024 : 1
         printf "%.1f", v * f / 1e6; found = 1 }
       END { if (!found) print "n/a" }' "$1"
}
parse_http2() { parse_h2load "$1" "$2"; }
parse_http1_rate() { parse_h2load "$1" "$2"; }

# parse_bolt FILE -> "rps p50_ms p99_ms mean_ms max_ms requests status_errors io_errors elapsed_s"
# (from BoltLoad's last line "BOLTLOAD key=value ..."; status_errors go in the non2xx3xx column,
# io_errors -- failed connects, lost connections, timeouts, bad or unknown answers -- in sock_err)
parse_bolt() {
  awk '
    /^BOLTLOAD / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }; found = 1 }
    END {
      if (!found || v["rps"] == "") { print "n/a n/a n/a n/a n/a n/a n/a n/a n/a"; exit }
      printf "%s %s %s %s %s %d %d %d %s\n", v["rps"], v["p50_ms"], v["p99_ms"], v["mean_ms"], v["max_ms"],
        v["requests"], v["status_errors"], v["io_errors"], v["elapsed_s"]
    }' "$1"
}

# cpu_ticks_<case> FILE: the proxy's CPU ticks measured by the generator over its own window, when
# it reports them (bench then uses them instead of its own reading around the whole run)
cpu_ticks_bolt() { awk '/^BOLTLOAD / { for (i = 2; i <= NF; i++) if ($i ~ /^proxy_cpu_ticks=[0-9]+$/) { sub(/.*=/, "", $i); print $i } }' "$1"; }

# awk function ms(): wrk's and h2load's "12.5us" / "1.02ms" / "1.3s" -> milliseconds
AWK_MS='
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return -1
    }'

# parse_h2load FILE LATENCY_LOG -> "rps p50_ms p99_ms mean_ms max_ms requests non2xx3xx errors elapsed_s"
# (errors = h2load's errored + timeout streams: connection-level failures, like wrk's socket errors)
parse_h2load() {
  local p50=n/a p99=n/a
  if [[ -s $2 ]]; then
    read -r p50 p99 < <(awk -F'\t' '$2 != -1 { print $3 }' "$2" | sort -n | awk '
      { v[NR] = $1 }
      END {
        if (NR == 0) { print "n/a n/a"; exit }
        i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++; if (i50 < 1) i50 = 1
        i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++; if (i99 < 1) i99 = 1
        printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000
      }')
  fi
  awk -v p50="$p50" -v p99="$p99" "$AWK_MS"'
    /^finished in /       { el = $3; sub(/,$/, "", el); elapsed = ms(el) / 1000; rps = $4 }
    /^requests: /         { gsub(/,/, ""); done = $6; errored = $12; timeout = $14 }
    /^status codes: /     { gsub(/,/, ""); s4 = $7; s5 = $9 }
    /^time for request: / { mean = ms($6); max = ms($5) }
    END {
      if (rps == "" || done == "") { print "n/a n/a n/a n/a n/a n/a n/a n/a n/a"; exit }
      printf "%s %s %s %.3f %.3f %d %d %d %.2f\n", rps, p50, p99, mean, max, done, s4 + s5, errored + timeout, elapsed
    }' "$1"
}

# parse_wrk FILE -> "rps p50_ms p99_ms mean_ms max_ms requests non2xx3xx socket_errors elapsed_s"
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
    /^ *Latency +[0-9]/  { mean = ms($2); max = ms($4) }
    /^ *50% /            { p50 = ms($2) }
    /^ *99% /            { p99 = ms($2) }
    / requests in /      { req = $1; el = $4; sub(/,$/, "", el); elapsed = ms(el) / 1000 }
    /^Requests\/sec:/    { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/     { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END {
      if (rps == "" || req == "") { print "n/a n/a n/a n/a n/a n/a n/a n/a n/a"; exit }
      printf "%s %.3f %.3f %.3f %.3f %d %d %d %.2f\n", rps, p50, p99, mean, max, req, non2xx + 0, sock + 0, elapsed
    }' "$1"
}

# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------
declare -A R   # R[case,proxy,metric]=value
PROXIES_RUN=()
LOAD_CPU_PIDS=()   # during a measured run: the proxy's pids, for a generator that reads their CPU itself

# bench CASE PROXY PORT PIDFUNC
bench() {
  local case=$1 proxy=$2 port=$3 pidfn=$4 raw lat pids t0 t1 u0 u1 user_share ticks own cpu_s rps p50 p99 mean max req non2xx sock elapsed
  raw="$OUT/$case-$proxy.${TOOL[$case]}.txt"
  lat="$TMP/$case-$proxy.latency.tsv"   # per-request log (h2load): large, so in the temp dir
  # The warm-up in WARMUP_RUNS loads, each on connections of its own that its end closes: a proxy
  # serves requests on connections that come and go, and for mosn4j a first close of many
  # connections at once runs branches its compiled request path had never taken (writability,
  # stream resets, promises that fail), which sends ~100 compiled methods back to the interpreter;
  # after one long warm-up load the C2 compiler recompiled them during the measured window (~1 s
  # of its CPU in the first seconds of an h2c window after 20 s of warm-up)
  local w part
  for ((w = 1; WARMUP > 0 && w <= WARMUP_RUNS; w++)); do
    part=$((WARMUP / WARMUP_RUNS + (w <= WARMUP % WARMUP_RUNS ? 1 : 0)))
    ((part > 0)) || continue
    log "[$case/$proxy] warm-up ${part}s on 127.0.0.1:$port ($w of $WARMUP_RUNS)"
    "load_$case" "$port" "$part" "$OUT/$case-$proxy.warmup.txt" \
      || { cat "$OUT/$case-$proxy.warmup.txt" >&2; die "warm-up load against $proxy failed"; }
    sleep 1
  done
  mapfile -t pids < <("$pidfn")
  ((${#pids[@]})) || die "no live $proxy process found to measure"
  log "[$case/$proxy] measuring ${DURATION}s on 127.0.0.1:$port; CPU of pids:$(describe_pids "${pids[@]}")"
  read -r t0 u0 < <(proc_ticks "${pids[@]}")
  LOAD_CPU_PIDS=("${pids[@]}")
  "load_$case" "$port" "$DURATION" "$raw" "$lat" || { cat "$raw" >&2; die "load against $proxy failed"; }
  LOAD_CPU_PIDS=()
  read -r t1 u1 < <(proc_ticks "${pids[@]}")
  ticks=$((t1 - t0))
  user_share=$(awk -v u="$((u1 - u0))" -v t="$ticks" 'BEGIN { if (t > 0) printf "%.4f", u / t; else print "n/a" }')
  if declare -F "cpu_ticks_$case" >/dev/null; then
    own=$("cpu_ticks_$case" "$raw")
    [[ $own =~ ^[0-9]+$ ]] && ticks=$own && user_share=n/a
  fi
  read -r rps p50 p99 mean max req non2xx sock elapsed < <("parse_$case" "$raw" "$lat")
  rm -f "$lat"
  [[ $rps != n/a ]] || { cat "$raw" >&2; die "could not parse ${TOOL[$case]} output for $proxy ($raw)"; }
  cpu_s=$(awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$case,$proxy,rps]=$rps
  R[$case,$proxy,mb_s]=$(mb_per_s "$raw")
  R[$case,$proxy,p50_ms]=$p50
  R[$case,$proxy,p99_ms]=$p99
  R[$case,$proxy,mean_ms]=$mean
  R[$case,$proxy,max_ms]=$max
  R[$case,$proxy,requests]=$req
  R[$case,$proxy,non2xx3xx]=$non2xx
  R[$case,$proxy,socket_errors]=$sock
  R[$case,$proxy,cpu_s]=$cpu_s
  # average cores busy in the proxy over wrk's own measured elapsed time
  R[$case,$proxy,cpu_cores]=$(awk -v c="$cpu_s" -v d="$elapsed" 'BEGIN { if (d > 0) printf "%.2f", c / d; else print "n/a" }')
  R[$case,$proxy,cpu_us_per_req]=$(awk -v c="$cpu_s" -v r="$req" 'BEGIN { if (r > 0) printf "%.2f", c * 1e6 / r; else print "n/a" }')
  # the same CPU split by where it ran: the proxy's own code (and, for mosn4j, the JVM's) and the kernel
  R[$case,$proxy,user_us_per_req]=$(awk -v c="${R[$case,$proxy,cpu_us_per_req]}" -v s="$user_share" \
    'BEGIN { if (c == "n/a" || s == "n/a") print "n/a"; else printf "%.2f", c * s }')
  R[$case,$proxy,sys_us_per_req]=$(awk -v c="${R[$case,$proxy,cpu_us_per_req]}" -v s="$user_share" \
    'BEGIN { if (c == "n/a" || s == "n/a") print "n/a"; else printf "%.2f", c * (1 - s) }')
  # the proxy's RSS right after the measured run (the load's working set: the JVM does not give heap back that fast)
  R[$case,$proxy,rss_mib]=$(awk -v k="$(proc_rss_kb "${pids[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
}

METRICS=(rps mb_s p50_ms p99_ms mean_ms max_ms non2xx3xx socket_errors cpu_us_per_req cpu_cores rss_mib requests user_us_per_req sys_us_per_req)
UNITS=(req/s MB/s ms ms ms ms count count us cores MiB count us us)

ratio() { # A B -> A/B or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'
}

report_row() { # LABEL CASE KEY
  printf '%-10s %11s %8s %9s %9s %9s %9s %10s %9s %11s %9s %8s %10s %8s %8s\n' "$1" \
    "${R[$2,$3,rps]}" "${R[$2,$3,mb_s]}" "${R[$2,$3,p50_ms]}" "${R[$2,$3,p99_ms]}" "${R[$2,$3,mean_ms]}" "${R[$2,$3,max_ms]}" \
    "${R[$2,$3,non2xx3xx]}" "${R[$2,$3,socket_errors]}" \
    "${R[$2,$3,cpu_us_per_req]}" "${R[$2,$3,cpu_cores]}" "${R[$2,$3,rss_mib]}" "${R[$2,$3,requests]}" \
    "${R[$2,$3,user_us_per_req]:-n/a}" "${R[$2,$3,sys_us_per_req]:-n/a}"
}

# case_proxies CASE: the proxies measured for CASE (mosn4j-jdk only in the HTTPS cases)
case_proxies() {
  local p
  for p in "${PROXIES_RUN[@]}"; do
    [[ $p == mosn4j-jdk ]] && ! tls_case "$1" && continue
    [[ $p == haproxy && $1 != http2 ]] && continue
    [[ $p == mosn4j-b && $1 != http1* && $1 != http2 ]] && continue
    echo "$p"
  done
}

# ratios A B LABEL CASE: R[CASE,LABEL,m] = A/B for every metric, when both ran
ratios() {
  local m
  [[ -n ${R[$4,$1,rps]:-} && -n ${R[$4,$2,rps]:-} ]] || return 1
  for m in "${METRICS[@]}"; do
    R[$4,$3,$m]=$(ratio "${R[$4,$1,$m]}" "${R[$4,$2,$m]}")
  done
}

report() {
  local case=$1 proxy m i tsv="$OUT/results.tsv" how rows=() label
  mapfile -t rows < <(case_proxies "$case")
  case "$case" in
    http1) how="wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency${HTTP1_HEADERS:+, $HTTP1_HEADERS-like request fields}" ;;
    http1_close) how="wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency -H 'Connection: close' (a new connection per request)" ;;
    http1_rate) how="h2load --h1 -t$WRK_THREADS -c$CONNECTIONS -D$DURATION --rps=$((RATE / CONNECTIONS)) per connection ($RATE req/s in all)" ;;
    http2) how="h2load (h2c) -t$WRK_THREADS -c$CONNECTIONS -m$H2_STREAMS -D$DURATION" ;;
    bolt) how="BoltLoad (bolt v1) -t$BOLT_CLIENT_THREADS -c$CONNECTIONS -m$BOLT_INFLIGHT -d$DURATION -w$BOLT_CLIENT_WARMUP, content ${BOLT_CONTENT} B; nginx = L4 stream proxy" ;;
    https_handshake) how="$HS_CLIENTS x openssl s_time -new -time $DURATION (full handshakes/s; no request)" ;;
    https_bulk) how="wrk over TLS -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive, GET /bulk of $BULK_BYTES B" ;;
    down_64k|down_1m) how="wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive, GET of a ${case#down_} body (streamed)" ;;
    up_64k|up_1m) how="wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive, POST of a ${case#up_} body (streamed)" ;;
    tcp) how="iperf3 -P$TCP_STREAMS -t$DURATION through the proxy (nginx: L4 stream; mosn4j: tcp_proxy); req/s = MB/s, cpu_us/req = CPU us per MB" ;;
  esac
  printf '\n== %s: %s, proxy workers %s, %s CPUs ==\n' "$case" "$how" "$PROXY_WORKERS" "$(nproc --all)"
  printf '%-10s %11s %8s %9s %9s %9s %9s %10s %9s %11s %9s %8s %10s %8s %8s\n' \
    proxy "$([[ $case == https_handshake ]] && echo hs/s || echo req/s)" MB/s p50_ms p99_ms mean_ms max_ms non2xx3xx sock_err \
    "$([[ $case == https_handshake ]] && echo cpu_us/hs || echo cpu_us/req)" cpu_cores rss_MiB requests user_us sys_us
  for proxy in "${rows[@]}"; do
    report_row "$proxy" "$case" "$proxy"
  done
  local labels=()
  ratios mosn4j nginx ratio "$case" && labels+=(ratio)
  ratios haproxy nginx hap/nginx "$case" && labels+=(hap/nginx)
  ratios mosn4j haproxy mosn/hap "$case" && labels+=(mosn/hap)
  ratios mosn4j-jdk nginx jdk/nginx "$case" && labels+=(jdk/nginx)
  ratios mosn4j mosn4j-jdk ssl/jdk "$case" && labels+=(ssl/jdk)
  for label in "${labels[@]}"; do report_row "$label" "$case" "$label"; done
  if ((${#labels[@]})); then
    printf '(ratio = mosn4j / nginx; jdk/nginx = mosn4j on the JDK TLS engine / nginx; ssl/jdk = mosn4j on BoringSSL /\n'
    printf ' mosn4j on the JDK engine: higher is better for req/s and MB/s, lower for latency and cpu_us/req)\n'
  fi
  if [[ $case == https_handshake ]]; then
    printf '(https_handshake: each s_time connection is a full TLS handshake and a close, no HTTP request; hs/s and\n'
    printf ' cpu_us/hs are per handshake; sock_err counts s_time lines reporting an error)\n'
  fi
  if [[ $case == bolt ]]; then
    printf '(bolt: non2xx3xx = answers with a non-zero bolt status, sock_err = failed connects, lost connections,\n'
    printf ' timeouts and bad/unknown answers; nginx only copies bytes (L4), mosn4j decodes, routes and remaps ids)\n'
  fi
  for proxy in "${rows[@]}" "${labels[@]}"; do
    for i in "${!METRICS[@]}"; do
      m=${METRICS[$i]}
      if [[ $proxy == ratio || $proxy == */* ]]; then
        case $proxy in
          ratio) label=mosn4j/nginx ;;
          jdk/nginx) label=mosn4j-jdk/nginx ;;
          ssl/jdk) label=mosn4j/mosn4j-jdk ;;
          hap/nginx) label=haproxy/nginx ;;
          mosn/hap) label=mosn4j/haproxy ;;
        esac
        printf '%s\t%s\t%s\t%s\tratio\n' "$case" "$label" "$m" "${R[$case,$proxy,$m]}"
      else
        printf '%s\t%s\t%s\t%s\t%s\n' "$case" "$proxy" "$m" "${R[$case,$proxy,$m]}" "${UNITS[$i]}"
      fi
    done
  done >>"$tsv"
}

# memory: each proxy's RSS at idle (started, every listener probed once, before any load), then
# with IDLE_CONNS idle keep-alive HTTP/1.1 downstream connections open (idle_conns.py: each has
# served one GET / and stays open); per_conn_KiB = the growth / IDLE_CONNS. Runs first in a run,
# so that "idle" is idle.
mem_proxy() { # PROXY PORT PIDFUNC
  local proxy=$1 port=$2 pidfn=$3 pids idle held i out="$OUT/memory-$1.idle_conns.txt" ready
  mapfile -t pids < <("$pidfn")
  ((${#pids[@]})) || die "no live $proxy process found to measure"
  idle=$(proc_rss_kb "${pids[@]}")
  log "[memory/$proxy] idle RSS $((idle / 1024)) MiB; opening $IDLE_CONNS idle keep-alive connections to 127.0.0.1:$port"
  python3 "$SCRIPT_DIR/idle_conns.py" "$port" "$IDLE_CONNS" >"$out" 2>&1 &
  LOAD_PID=$!
  for ((i = 0; i < 1200; i++)); do
    ready=$(sed -n 's/^READY \([0-9]*\) errors=\([0-9]*\).*/\1 \2/p' "$out" 2>/dev/null || true)  # not created yet: no
    [[ -n $ready ]] && break
    alive "$LOAD_PID" || { cat "$out" >&2; die "idle_conns.py failed against $proxy"; }
    sleep 0.1
  done
  [[ -n $ready ]] || die "idle_conns.py did not open $IDLE_CONNS connections to $proxy within 120 s"
  sleep 2                    # let the proxy settle (buffers released, lazy work done)
  held=$(proc_rss_kb "${pids[@]}")
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=""
  R[memory,$proxy,idle_mib]=$(awk -v k="$idle" 'BEGIN { printf "%.1f", k / 1024 }')
  R[memory,$proxy,conns_mib]=$(awk -v k="$held" 'BEGIN { printf "%.1f", k / 1024 }')
  R[memory,$proxy,conns_open]=${ready% *}
  R[memory,$proxy,conn_errors]=${ready#* }
  R[memory,$proxy,per_conn_kib]=$(awk -v a="$idle" -v b="$held" -v n="${ready% *}" 'BEGIN { if (n > 0) printf "%.2f", (b - a) / n; else print "n/a" }')
  sleep 2                    # the connections' close reaches the proxy before the next measurement
}

MEM_METRICS=(idle_mib conns_mib per_conn_kib conns_open conn_errors)
MEM_UNITS=(MiB MiB KiB count count)
mem_case() {
  local proxy m i labels=()
  want_nginx && mem_proxy nginx "$NGINX_PROXY_PORT" nginx_proxy_pids
  want_mosn && mem_proxy mosn4j "$MOSN_PORT" mosn_pids
  printf '\n== memory: RSS at idle and with %s idle keep-alive HTTP/1.1 downstream connections, proxy workers %s ==\n' "$IDLE_CONNS" "$PROXY_WORKERS"
  printf '%-10s %9s %10s %13s %11s %11s\n' proxy idle_MiB conns_MiB per_conn_KiB conns_open conn_errors
  for proxy in "${PROXIES_RUN[@]}"; do
    [[ $proxy == mosn4j-jdk || $proxy == haproxy ]] && continue
    printf '%-10s %9s %10s %13s %11s %11s\n' "$proxy" "${R[memory,$proxy,idle_mib]}" "${R[memory,$proxy,conns_mib]}" \
      "${R[memory,$proxy,per_conn_kib]}" "${R[memory,$proxy,conns_open]}" "${R[memory,$proxy,conn_errors]}"
    for i in "${!MEM_METRICS[@]}"; do
      printf 'memory\t%s\t%s\t%s\t%s\n' "$proxy" "${MEM_METRICS[$i]}" "${R[memory,$proxy,${MEM_METRICS[$i]}]}" "${MEM_UNITS[$i]}"
    done >>"$OUT/results.tsv"
  done
  if [[ -n ${R[memory,nginx,idle_mib]:-} && -n ${R[memory,mosn4j,idle_mib]:-} ]]; then
    printf '%-10s %9s %10s %13s\n' ratio "$(ratio "${R[memory,mosn4j,idle_mib]}" "${R[memory,nginx,idle_mib]}")" \
      "$(ratio "${R[memory,mosn4j,conns_mib]}" "${R[memory,nginx,conns_mib]}")" \
      "$(ratio "${R[memory,mosn4j,per_conn_kib]}" "${R[memory,nginx,per_conn_kib]}")"
    for m in idle_mib conns_mib per_conn_kib; do
      printf 'memory\tmosn4j/nginx\t%s\t%s\tratio\n' "$m" "$(ratio "${R[memory,mosn4j,$m]}" "${R[memory,nginx,$m]}")"
    done >>"$OUT/results.tsv"
  fi
  printf '(RSS = VmRSS summed over the proxy'"'"'s processes: nginx master + workers, the mosn4j JVM)\n'
}

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
for c in $CASES; do
  [[ $c == memory ]] && continue
  declare -F "load_$c" >/dev/null || die "unknown case '$c' in CASES (known: memory http1 http1_close http1_rate http2 bolt https_handshake https_bulk down_64k down_1m up_64k up_1m tcp)"
done
ensure_deps
want_mosn && check_mosn_build
want_case bolt && check_bench_jar
CLK_TCK=$(getconf CLK_TCK)

for p in "$BACKEND_PORT" $(want_nginx && echo "$NGINX_PROXY_PORT") $(want_mosn && echo "$MOSN_PORT") \
         $(want_case http2 && want_nginx && echo "$NGINX_H2_PORT") $(want_case http2 && want_mosn && echo "$MOSN_H2_PORT") \
         $(want_case bolt && echo "$BOLT_BACKEND_PORT") $(want_case bolt && want_nginx && echo "$NGINX_BOLT_PORT") \
         $(want_case bolt && want_mosn && echo "$MOSN_BOLT_PORT") $(want_tls && want_nginx && echo "$NGINX_TLS_PORT") \
         $(want_tls && want_mosn && echo "$MOSN_TLS_PORT $MOSN_JDK_TLS_PORT") \
         $(want_case tcp && echo "$TCP_BACKEND_PORT") $(want_case tcp && want_nginx && echo "$NGINX_TCP_PORT") \
         $(want_case tcp && want_mosn && echo "$MOSN_TCP_PORT") $(want_haproxy && echo "$HAPROXY_H2_PORT"); do
  if port_in_use "$p"; then die "port 127.0.0.1:$p is already in use (set *_PORT to change)"; fi
done

if [[ -n $LOAD_CPUS ]]; then
  taskset -cp "$LOAD_CPUS" $$ >/dev/null || die "cannot pin to LOAD_CPUS=$LOAD_CPUS"
  log "load generators and backends on CPUs $LOAD_CPUS; proxies on ${PROXY_CPUS:-${MOSN_CPUS:-any}}"
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.wrk.txt "$OUT"/*.iperf3.txt "$OUT"/*.h2load.txt "$OUT"/*.boltload.txt "$OUT"/*.s_time.txt "$OUT"/*.warmup.txt "$OUT/results.tsv"
rm -rf "$OUT/logs"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mosn-bench.XXXXXXXX")
chmod 755 "$TMP"   # nginx workers may run as an unprivileged user

want_tls && make_certs
write_nginx_confs
start_nginx backend "$TMP/backend.conf"
BACKEND_PID=$LAST_PID
wait_http "backend nginx" "$BACKEND_PORT" "$BACKEND_PID" "$WAIT_TRIES" "$TMP/backend.log"
log "backend nginx up on 127.0.0.1:$BACKEND_PORT (pid $BACKEND_PID)"

if want_case tcp; then
  iperf3 -s -p "$TCP_BACKEND_PORT" -B 127.0.0.1 >>"$TMP/tcp-backend.log" 2>&1 &
  TCP_BACKEND_PID=$!
  STARTED_PIDS+=("$TCP_BACKEND_PID")
  for _i in $(seq 1 50); do port_in_use "$TCP_BACKEND_PORT" && break; sleep 0.1; done
  port_in_use "$TCP_BACKEND_PORT" || die "iperf3 server did not listen on 127.0.0.1:$TCP_BACKEND_PORT"
  log "tcp backend (iperf3 -s) up on 127.0.0.1:$TCP_BACKEND_PORT (pid $TCP_BACKEND_PID)"
fi

if want_case bolt; then
  bolt_java BoltEchoServer "$BOLT_BACKEND_PORT" "$BOLT_BACKEND_THREADS" >>"$TMP/bolt-backend.log" 2>&1 &
  BOLT_BACKEND_PID=$!
  STARTED_PIDS+=("$BOLT_BACKEND_PID")
  wait_bolt "bolt backend" "$BOLT_BACKEND_PORT" "$BOLT_BACKEND_PID" $((WAIT_TRIES * 3)) "$TMP/bolt-backend.log"
  log "bolt backend up on 127.0.0.1:$BOLT_BACKEND_PORT (pid $BOLT_BACKEND_PID, $JAVA)"
fi

NGINX_PROXY_PID=""
if want_nginx; then
  start_nginx nginx-proxy "$TMP/nginx-proxy.conf" "$NGINX_CPUS"
  NGINX_PROXY_PID=$LAST_PID
  wait_http "nginx proxy" "$NGINX_PROXY_PORT" "$NGINX_PROXY_PID" "$WAIT_TRIES" "$TMP/nginx-proxy.log"
  if want_case http2; then
    wait_http "nginx proxy (h2c)" "$NGINX_H2_PORT" "$NGINX_PROXY_PID" "$WAIT_TRIES" "$TMP/nginx-proxy.log" --http2-prior-knowledge
  fi
  if want_case bolt; then
    wait_bolt "nginx stream proxy (bolt)" "$NGINX_BOLT_PORT" "$NGINX_PROXY_PID" "$WAIT_TRIES" "$TMP/nginx-proxy.log"
  fi
  if want_tls; then
    wait_https "nginx proxy (TLS)" "$NGINX_TLS_PORT" "$NGINX_PROXY_PID" "$WAIT_TRIES" "$TMP/nginx-proxy.log"
  fi
  mapfile -t _np < <(nginx_proxy_pids)
  log "nginx proxy up on 127.0.0.1:$NGINX_PROXY_PORT (pids:$(describe_pids "${_np[@]}"))"
  PROXIES_RUN+=(nginx)
fi

if want_haproxy; then
  write_haproxy_conf
  haproxy -c -q -f "$TMP/haproxy.cfg" || die "generated haproxy config $TMP/haproxy.cfg is invalid"
  if [[ -n $NGINX_CPUS ]]; then
    taskset -c "$NGINX_CPUS" haproxy -db -f "$TMP/haproxy.cfg" >>"$TMP/haproxy.log" 2>&1 &
  else
    haproxy -db -f "$TMP/haproxy.cfg" >>"$TMP/haproxy.log" 2>&1 &
  fi
  HAPROXY_PID=$!
  STARTED_PIDS+=("$HAPROXY_PID")
  wait_http "haproxy (h2c)" "$HAPROXY_H2_PORT" "$HAPROXY_PID" "$WAIT_TRIES" "$TMP/haproxy.log" --http2-prior-knowledge
  log "haproxy up on 127.0.0.1:$HAPROXY_H2_PORT (pid $HAPROXY_PID)"
  PROXIES_RUN+=(haproxy)
fi

start_mosn() { # CONF LOG [BIN] -> sets LAST_PID (pinned to MOSN_CPUS when set)
  local pin=()
  [[ -n ${MOSN_CPUS:-} ]] && pin=(taskset -c "$MOSN_CPUS")
  "${pin[@]}" "${3:-$MOSN_BIN}" start -c "$1" >>"$2" 2>&1 &
  LAST_PID=$!
  STARTED_PIDS+=("$LAST_PID")
}

if want_mosn; then
  write_mosn_conf
  start_mosn "$TMP/mosn.json" "$TMP/mosn.log"
  MOSN_PID=$LAST_PID
  wait_http "mosn4j" "$MOSN_PORT" "$MOSN_PID" $((WAIT_TRIES * 3)) "$TMP/mosn.log"
  if want_case http2; then
    wait_http "mosn4j (h2c)" "$MOSN_H2_PORT" "$MOSN_PID" "$WAIT_TRIES" "$TMP/mosn.log" --http2-prior-knowledge
  fi
  if want_case bolt; then
    wait_bolt "mosn4j (bolt)" "$MOSN_BOLT_PORT" "$MOSN_PID" "$WAIT_TRIES" "$TMP/mosn.log"
  fi
  if want_tls; then
    wait_https "mosn4j (TLS)" "$MOSN_TLS_PORT" "$MOSN_PID" "$WAIT_TRIES" "$TMP/mosn.log"
    grep -q 'TLS engine: BoringSSL' "$TMP/mosn.log" || log "warning: mosn4j did not log 'TLS engine: BoringSSL'; see $TMP/mosn.log"
  fi
  mapfile -t _mp < <(mosn_pids)
  log "mosn4j up on 127.0.0.1:$MOSN_PORT (pids:$(describe_pids "${_mp[@]}"))"
  _java=0
  for p in "${_mp[@]}"; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == java ]] && _java=1; done
  ((_java)) || log "warning: no process named 'java' among the mosn4j pids; CPU figures cover pids:$(describe_pids "${_mp[@]}")"
  PROXIES_RUN+=(mosn4j)
  if ((MOSN_B)); then
    for _c in $CASES; do
      [[ $_c == http1 || $_c == http1_close || $_c == http1_rate || $_c == http2 ]] || die "MOSN_B=1 runs the http1 and http2 cases only (not $_c)"
    done
    (MOSN_PORT=$MOSN_B_PORT MOSN_H2_PORT=$MOSN_B_H2_PORT MOSN_REUSEPORT=${MOSN_B_REUSEPORT:-$MOSN_REUSEPORT} MOSN_METRICS=${MOSN_B_METRICS:-off} MOSN_ACCESS_LOG=${MOSN_B_ACCESS_LOG:-} \
      MOSN_METRICS_PORT=$((${MOSN_METRICS_PORT:-18096} + 100)) write_mosn_conf "$TMP/mosn-b.json")
    MOSN_JAVA_OPTS=${MOSN_B_JAVA_OPTS-${MOSN_JAVA_OPTS:-}} start_mosn "$TMP/mosn-b.json" "$TMP/mosn-b.log" "${MOSN_B_BIN:-$MOSN_BIN}"
    MOSN_B_PID=$LAST_PID
    wait_http "mosn4j-b" "$MOSN_B_PORT" "$MOSN_B_PID" $((WAIT_TRIES * 3)) "$TMP/mosn-b.log"
    if want_case http2; then
      wait_http "mosn4j-b (h2c)" "$MOSN_B_H2_PORT" "$MOSN_B_PID" "$WAIT_TRIES" "$TMP/mosn-b.log" --http2-prior-knowledge
    fi
    mapfile -t _bp < <(mosn_b_pids)
    log "mosn4j-b up on 127.0.0.1:$MOSN_B_PORT (pids:$(describe_pids "${_bp[@]}"))"
    PROXIES_RUN+=(mosn4j-b)
  fi
  if want_tls; then
    # the same mosn4j on the JDK's TLS engine, for the engines' side-by-side
    write_mosn_jdk_conf
    MOSN_JAVA_OPTS="${MOSN_JAVA_OPTS:-} -Dmosn4j.tls.engine=jdk" "$MOSN_BIN" start -c "$TMP/mosn-jdk.json" >>"$TMP/mosn-jdk.log" 2>&1 &
    MOSN_JDK_PID=$!
    STARTED_PIDS+=("$MOSN_JDK_PID")
    wait_https "mosn4j-jdk (TLS)" "$MOSN_JDK_TLS_PORT" "$MOSN_JDK_PID" $((WAIT_TRIES * 3)) "$TMP/mosn-jdk.log"
    grep -q "TLS engine: the JDK's" "$TMP/mosn-jdk.log" || die "mosn4j-jdk did not log that it runs the JDK's TLS engine (see $OUT/logs/mosn-jdk.log)"
    mapfile -t _jp < <(mosn_jdk_pids)
    log "mosn4j-jdk up on 127.0.0.1:$MOSN_JDK_TLS_PORT (pids:$(describe_pids "${_jp[@]}"))"
    PROXIES_RUN+=(mosn4j-jdk)
  fi
fi

{
  printf '# mosn4j load benchmark %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '# case\tproxy\tmetric\tvalue\tunit\n'
  printf 'meta\trun\tduration_s\t%s\ts\n' "$DURATION"
  printf 'meta\trun\twarmup_s\t%s\ts\n' "$WARMUP"
  printf 'meta\trun\twarmup_runs\t%s\tcount\n' "$WARMUP_RUNS"
  printf 'meta\trun\tconnections\t%s\tcount\n' "$CONNECTIONS"
  printf 'meta\trun\twrk_threads\t%s\tcount\n' "$WRK_THREADS"
  printf 'meta\trun\th2_streams\t%s\tcount\n' "$H2_STREAMS"
  if want_case bolt; then
    printf 'meta\trun\tbolt_inflight\t%s\tcount\n' "$BOLT_INFLIGHT"
    printf 'meta\trun\tbolt_content_bytes\t%s\tbytes\n' "$BOLT_CONTENT"
    printf 'meta\trun\tbolt_client_threads\t%s\tcount\n' "$BOLT_CLIENT_THREADS"
    printf 'meta\trun\tbolt_client_warmup_s\t%s\ts\n' "$BOLT_CLIENT_WARMUP"
    printf 'meta\trun\tbolt_backend_threads\t%s\tcount\n' "$BOLT_BACKEND_THREADS"
    printf 'meta\trun\tjava_version\t%s\t-\n' "$("$JAVA" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')"
  fi
  if want_tls; then
    printf 'meta\trun\ths_clients\t%s\tcount\n' "$HS_CLIENTS"
    printf 'meta\trun\tbulk_bytes\t%s\tbytes\n' "$BULK_BYTES"
    printf 'meta\trun\topenssl_version\t%s\t-\n' "$(openssl version | awk '{ print $2 }')"
  fi
  printf 'meta\trun\tcases\t%s\t-\n' "$CASES"
  printf 'meta\trun\tproxy_workers\t%s\tcount\n' "$PROXY_WORKERS"
  printf 'meta\trun\tcpus\t%s\tcount\n' "$(nproc --all)"
  printf 'meta\trun\tproxy_cpus\t%s\t-\n' "${PROXY_CPUS:-${MOSN_CPUS:-any}}"
  printf 'meta\trun\tload_cpus\t%s\t-\n' "${LOAD_CPUS:-any}"
  printf 'meta\trun\tgit_commit\t%s\t-\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
  printf 'meta\trun\tnginx_version\t%s\t-\n' "$("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///')"
} >"$OUT/results.tsv"

bench_proxy() { # CASE PROXY
  case $2 in
    nginx) bench "$1" nginx "$("port_$1" nginx)" nginx_proxy_pids ;;
    mosn4j) bench "$1" mosn4j "$("port_$1" mosn)" mosn_pids ;;
    mosn4j-jdk) bench "$1" mosn4j-jdk "$("port_$1" mosn-jdk)" mosn_jdk_pids ;;
    haproxy) bench "$1" haproxy "$HAPROXY_H2_PORT" haproxy_pids ;;
    mosn4j-b) bench "$1" mosn4j-b "$(if [[ $1 == http2 ]]; then echo "$MOSN_B_H2_PORT"; else echo "$MOSN_B_PORT"; fi)" mosn_b_pids ;;
  esac
}

# median_range: "MEDIAN MIN MAX" of the numbers on stdin, one a line ("n/a" when there are none)
median_range() {
  sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit }
    print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

# sliced CASE PROXY...: SLICES measured slices per proxy, taking turns, each proxy warmed up before
# its first (in slice 1) only; R then holds each figure's median over the slices (requests: their
# sum), and CASE.slices.tsv every slice's figures
sliced() {
  local c=$1 k p m ref pairs mid lo hi warmup=$WARMUP order=() f="$OUT/$1.slices.tsv"
  shift
  : >"$f"
  for ((k = 1; k <= SLICES; k++)); do
    order=("$@")
    ((k % 2 == 0)) && mapfile -t order < <(printf '%s\n' "$@" | tac)
    WARMUP=$((k == 1 ? warmup : 0))
    for p in "${order[@]}"; do
      bench_proxy "$c" "$p"
      for m in "${METRICS[@]}"; do printf '%d\t%s\t%s\t%s\n' "$k" "$p" "$m" "${R[$c,$p,$m]}" >>"$f"; done
    done
  done
  WARMUP=$warmup
  for p in "$@"; do
    for m in "${METRICS[@]}"; do
      read -r "R[$c,$p,$m]" _ < <(awk -F'\t' -v p="$p" -v m="$m" '$2 == p && $3 == m && $4 != "n/a" { print $4 }' "$f" | median_range)
    done
    R[$c,$p,requests]=$(awk -F'\t' -v p="$p" '$2 == p && $3 == "requests" { s += $4 } END { print s + 0 }' "$f")
  done
  [[ " $* " == *" mosn4j "* ]] || return 0
  for ref in "$@"; do
    [[ $ref == nginx || $ref == haproxy || $ref == mosn4j-b ]] || continue
    for m in cpu_us_per_req p99_ms; do
      # each slice's mosn4j figure over the reference's in the same slice
      pairs=$(awk -F'\t' -v ref="$ref" -v m="$m" '$3 == m && $2 == ref { n[$1] = $4 } $3 == m && $2 == "mosn4j" { v[$1] = $4 }
        END { for (k in n) if (k in v && n[k] > 0) print v[k] / n[k] }' "$f")
      [[ -n $pairs ]] || continue
      read -r mid lo hi < <(median_range <<<"$pairs")
      printf '[load.sh] %s: mosn4j / %s %s over %d pairs of slices: median %.3f [%.3f-%.3f]\n' "$c" "$ref" \
        "$([[ $m == p99_ms ]] && echo p99 || echo 'CPU per request')" "$(wc -l <<<"$pairs")" "$mid" "$lo" "$hi" >&2
    done
  done
}

for c in $CASES; do
  if [[ $c == memory ]]; then mem_case; continue; fi
  mapfile -t _cp < <(case_proxies "$c")
  if ((MOSN_FIRST)); then mapfile -t _cp < <(printf '%s\n' "${_cp[@]}" | tac); fi
  if ((SLICES > 1)); then
    sliced "$c" "${_cp[@]}"
  else
    for proxy in "${_cp[@]}"; do bench_proxy "$c" "$proxy"; done
  fi
  report "$c"
done

# a proxy that crashed under load shows up here rather than silently
want_nginx && { alive "$NGINX_PROXY_PID" || die "nginx proxy died during the run"; }
want_mosn && { [[ -n $(mosn_pids) ]] || die "mosn4j died during the run (see $OUT/logs/mosn.log)"; }
[[ -n $MOSN_JDK_PID ]] && { [[ -n $(mosn_jdk_pids) ]] || die "mosn4j-jdk died during the run (see $OUT/logs/mosn-jdk.log)"; }
[[ -n $MOSN_B_PID ]] && { [[ -n $(mosn_b_pids) ]] || die "mosn4j-b died during the run (see $OUT/logs/mosn-b.log)"; }
printf '\nresults: %s  (raw wrk/h2load/BoltLoad output and logs in %s)\n' "$OUT/results.tsv" "$OUT"

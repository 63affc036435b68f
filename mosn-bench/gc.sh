#!/bin/bash
# mosn-bench/gc.sh [http1|http2] [SECONDS] — mosn4j's collector and RSS under a load, with bin/mosn's defaults.
#
# Starts the installation's bin/mosn on its conf/mosn.yaml (the proxy on 127.0.0.1:2045 in front of the
# stand-in service the same process serves: both halves of each request are mosn4j's), pinned as load.sh
# pins (mosn4j on PROXY_CPUS=1, the load on LOAD_CPUS=0), with -Xlog:gc, and loads it for SECONDS (45):
# http1 is wrk, 50 keep-alive connections; http2 is h2load, 50 h2c connections × 10 streams (Auto sends
# each request on upstream in HTTP/2, as its client spoke). Prints the requests/s, the young pauses after
# the first three (the start's and the load's first second) as p50/p99/max, every full collection, the
# heap after the last collection, mosn4j's CPU per request (user and system time from /proc, over the load),
# the bytes its event loops allocated per request (their threads' allocation counters, read with the
# installation's jcmd before and after the load; both halves of each request) and the RSS at the end.
#
#   MOSN_BIN=mosn-dist/target/image/bin/mosn  the installation to run (its conf/mosn.yaml)
#   MOSN_JAVA_OPTS=                           more JVM options, e.g. -XX:SurvivorRatio=8 for the JVM's default
# Needs wrk or h2load (apt-get install wrk nghttp2-client) and python3.
set -euo pipefail
case_name=${1:-http1}
seconds=${2:-45}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MOSN_BIN:-$root/mosn-dist/target/image/bin/mosn}
[[ -x $bin ]] || { echo "gc.sh: no $bin: build the archive (./mvnw -q -DskipTests package) or set MOSN_BIN" >&2; exit 1; }
home=$(cd "$(dirname "$bin")/.." && pwd)
case $case_name in
  http1) load=(wrk -t2 -c50 "-d${seconds}s" http://127.0.0.1:2045/) ;;
  http2) load=(h2load -t2 -c50 -m10 "-D$seconds" http://127.0.0.1:2045/) ;;
  *) echo "gc.sh: http1 or http2, not $case_name" >&2; exit 1 ;;
esac
command -v "${load[0]}" >/dev/null || { echo "gc.sh: needs ${load[0]}" >&2; exit 1; }
work=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; rm -rf "$work"' EXIT
MOSN_JAVA_OPTS="${MOSN_JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log" taskset -c "${PROXY_CPUS:-1}" \
  "$bin" start -c "$home/conf/mosn.yaml" >"$work/mosn.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null http://127.0.0.1:2045/ && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/mosn.log" >&2; exit 1; }
  sleep 0.1
done
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }   # user + system time, clock ticks
# what the event loops allocated so far, in bytes: Thread.print -e gives each thread's count (allocated=2406M)
allocated() {
  "$home/runtime/bin/jcmd" "$pid" Thread.print -e 2>/dev/null | python3 -c '
import re, sys
unit = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
print(sum(int(float(n) * unit[u]) for n, u in re.findall(r"^\"mosn-worker.* allocated=([\d.]+)([BKMG])", sys.stdin.read(), re.M)))'
}
before=$(cpu)
allocated_before=$(allocated || echo "")
taskset -c "${LOAD_CPUS:-0}" "${load[@]}" >"$work/load.txt" 2>&1
ticks=$(($(cpu) - before))
allocated_after=$(allocated || echo "")
rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true
pid=""
grep -E '^Requests/sec|^finished in|^requests:' "$work/load.txt" || true
requests=$(awk '/ requests in / { print $1 } /^requests: / { print $6 }' "$work/load.txt")
[[ -n $requests && $requests -gt 0 ]] &&
  echo "mosn4j's CPU per request: $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v r="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / r }') µs"
[[ -n $requests && $requests -gt 0 && -n $allocated_before && -n $allocated_after ]] &&
  echo "allocated by the event loops per request: $(((allocated_after - allocated_before) / requests)) bytes"
echo "RSS at the end of the load: $rss MiB"
python3 - "$work/gc.log" <<'EOF'
import re, sys
young, full, last = [], [], ''
for line in open(sys.argv[1]):
    m = re.search(r'Pause (Young|Full) .*? (\S+->\S+) ([\d.]+)ms', line)
    if m:
        (young if m.group(1) == 'Young' else full).append(float(m.group(3)))
        last = m.group(2)
steady = sorted(young[3:])
n = len(steady)
if n:
    print(f"young pauses after the first three: {n}, p50 {steady[n // 2]:.2f} ms, p99 {steady[min(n - 1, n * 99 // 100)]:.2f} ms,"
          f" max {steady[-1]:.2f} ms (the first three: {', '.join(f'{p:.1f}' for p in young[:3])} ms)")
print(f"full collections: {len(full)}" + (f" ({', '.join(f'{p:.1f}' for p in full)} ms)" if full else ''))
print(f"heap before -> after the last collection (committed): {last}")
EOF

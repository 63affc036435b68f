#!/bin/bash
# mosn-bench/syscalls.sh CASE [SECONDS] — system calls per request, each proxy of a load.sh case.
#
# Runs `CASES=CASE mosn-bench/load.sh` and, while each proxy (nginx, HAProxy, mosn4j) is measured,
# counts its system calls with `strace -c -f` over the same window, then prints them per request
# (the requests are what the load generator reported for that proxy). strace slows the proxies,
# so the run's CPU and latency figures mean nothing; the counts per request do. Needs strace.
set -euo pipefail
case_name=${1:?usage: mosn-bench/syscalls.sh CASE [SECONDS]}
seconds=${2:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v strace >/dev/null || { echo "syscalls.sh needs strace (apt-get install strace)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/load.log
(cd "$root" && CASES=$case_name DURATION=$seconds WARMUP=2 mosn-bench/load.sh >"$log" 2>&1) &
load=$!
declare -A traced
while kill -0 "$load" 2>/dev/null; do
  while read -r line; do
    who=$(sed -E 's/.*\[[a-z0-9_]+\/([a-z0-9_]+)\] measuring.*/\1/' <<<"$line")
    [[ -n ${traced[$who]:-} ]] && continue
    traced[$who]=1
    args=()
    for pid in $(grep -o '[0-9]*(' <<<"$line" | tr -d '('); do args+=(-p "$pid"); done
    timeout "$seconds" strace -c -f "${args[@]}" -o "$work/strace-$who.txt" 2>/dev/null || true
  done < <(grep 'measuring' "$log" || true)
  sleep 0.3
done
grep -A6 '^proxy ' "$log" | cut -c1-150 || { cat "$log" >&2; exit 1; }
for f in "$work"/strace-*.txt; do
  [[ -f $f ]] || continue
  who=${f##*/strace-}; who=${who%.txt}
  # the "requests" column, wherever load.sh's table puts it (user_us and sys_us came after it)
  requests=$(grep -A6 '^proxy ' "$log" | awk -v w="$who" '$1 == "proxy" { for (i = 1; i <= NF; i++) if ($i == "requests") c = i }
    $1 == w && c { print $c; exit }')
  [[ -n $requests && $requests -gt 0 ]] || continue
  echo "== $who: system calls per request ($requests requests)"
  awk -v r="$requests" 'NR > 2 && $1 ~ /^[0-9.]+$/ { printf "  %-16s %8.3f\n", $NF, $4 / r }' "$f" | sort -k2 -rn | head -12
done

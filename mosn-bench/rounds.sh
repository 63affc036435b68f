#!/usr/bin/env bash
# mosn-bench/rounds.sh — the side-by-side method: load.sh run ROUNDS times, nginx and mosn4j in
# every round (which goes first alternates between rounds), then one table of medians: for each
# case and figure, nginx's and mosn4j's median over the rounds and the median of the per-round
# ratios mosn4j / nginx with their range (and, for http2, HAProxy's median and mosn4j / HAProxy). A round on a shared machine can move by 1.5x; the
# ratio of one round compares two proxies under the same conditions, its median across rounds is
# the figure to quote.
#
# Usage:  mosn-bench/rounds.sh            (every load.sh variable applies to every round)
#   ROUNDS=6             rounds
#   PROXY_CPUS=1 LOAD_CPUS=0  the issue's pinning: both proxies on CPU 1, generators and backends on 0
#                        (the default here; set PROXY_CPUS= LOAD_CPUS= to run unpinned)
#   OUT=mosn-bench/target/rounds  round-N/ (load.sh's results.tsv and raw output) and summary.md
#   SUMMARIZE_ONLY=1     only rebuild summary.md from the rounds already in OUT
#
# The table (summary.md, also printed) has per case: req/s, p50, p99, the proxies' CPU µs per request
# (per MB for tcp; for the body cases the CPU per byte moved is cpu_us/req over the body's size, so
# its ratio is the same), RSS after the run; for memory: idle RSS and KiB per idle connection.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${ROUNDS:-6}
OUT=${OUT:-$SCRIPT_DIR/target/rounds}
export PROXY_CPUS=${PROXY_CPUS-1}
export LOAD_CPUS=${LOAD_CPUS-0}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer" >&2; exit 1; }

if [[ ${SUMMARIZE_ONLY:-0} != 1 ]]; then
  mkdir -p "$OUT"
  rm -rf "$OUT"/round-*
  for ((r = 1; r <= ROUNDS; r++)); do
    printf '[rounds.sh] round %d of %d%s\n' "$r" "$ROUNDS" "$( ((r % 2 == 0)) && echo ', mosn4j first' )" >&2
    MOSN_FIRST=$((r % 2 == 0 ? 1 : 0)) OUT="$OUT/round-$r" "$SCRIPT_DIR/load.sh" >"$OUT/round-$r.txt"
  done
fi

# results.tsv lines: case proxy metric value unit
cat "$OUT"/round-*/results.tsv | awk -F'\t' -v rounds="$(ls -d "$OUT"/round-*/ | wc -l)" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n == 0) return "n/a"
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function range(list,   n, a, i, lo, hi) {
    n = split(list, a, " "); lo = hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return sprintf("%.2f-%.2f", lo, hi)
  }
  function fmt(v) { return v == "n/a" ? v : (v + 0 >= 100 ? sprintf("%.0f", v) : sprintf("%.3g", v)) }
  /^#/ || $1 == "meta" { next }
  $4 == "n/a" || $4 == "" { next }
  {
    key = $1 SUBSEP $3
    if ($2 == "nginx") ng[key] = ng[key] " " $4
    else if ($2 == "mosn4j") mo[key] = mo[key] " " $4
    else if ($2 == "mosn4j/nginx") ra[key] = ra[key] " " $4
    else if ($2 == "haproxy") hp[key] = hp[key] " " $4
    else if ($2 == "mosn4j/haproxy") rh[key] = rh[key] " " $4
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if (!($1 in cs)) { cs[$1] = 1; cases[++nc] = $1 }
  }
  END {
    nw = split("rps p50_ms p99_ms cpu_us_per_req user_us_per_req sys_us_per_req rss_mib idle_mib conns_mib per_conn_kib", want, " ")
    label["rps"] = "req/s (tcp: MB/s)"; label["p50_ms"] = "p50 ms"; label["p99_ms"] = "p99 ms"
    label["cpu_us_per_req"] = "CPU µs per request (tcp: per MB)"; label["rss_mib"] = "RSS after the run, MiB"
    label["user_us_per_req"] = "of it outside the kernel"; label["sys_us_per_req"] = "of it in the kernel"
    label["idle_mib"] = "RSS at idle, MiB"; label["conns_mib"] = "RSS with the idle connections, MiB"
    label["per_conn_kib"] = "RSS per idle connection, KiB"
    printf "%d rounds; medians over the rounds; ratio = median of the per-round mosn4j / nginx [range]\n\n", rounds
    printf "| case | figure | nginx | mosn4j | ratio | range | HAProxy | mosn4j / HAProxy |\n| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |\n"
    for (c = 1; c <= nc; c++) {
      for (w = 1; w <= nw; w++) {
        key = cases[c] SUBSEP want[w]
        if (!(key in seen) || !(key in mo)) continue
        r = (key in ra) ? median(ra[key]) : "n/a"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cases[c], label[want[w]], (key in ng) ? fmt(median(ng[key])) : "-",
          fmt(median(mo[key])), r == "n/a" ? r : sprintf("%.2f", r), (key in ra) ? range(ra[key]) : "-",
          (key in hp) ? fmt(median(hp[key])) : "-", (key in rh) ? sprintf("%.2f", median(rh[key])) : "-"
      }
    }
  }' | tee "$OUT/summary.md"
printf '\n(rounds: %s/round-N; summary: %s/summary.md)\n' "$OUT" "$OUT" >&2

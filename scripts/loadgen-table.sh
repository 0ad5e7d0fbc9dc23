#!/usr/bin/env bash
# The portal's capacity figures (issue 15): infomat-loadgen's realistic model (a heartbeat a
# minute, a content poll every 5 minutes, 4 submissions an hour per kiosk) against
#   1. bbolt, 1,000 kiosks        (the portal in the load generator's process)
#   2. bbolt, 10,000 kiosks
#   3. PostgreSQL, 10,000 kiosks, two real `infomat-portal serve` processes on one database,
#      kiosks split between them (--url A --url B), as behind a load balancer
# on this machine, one after another. PostgreSQL is a private cluster from Debian's package
# with its default durability (fsync and synchronous commit on), like bbolt's fsync per commit.
# After run 3 it prints the CPU seconds the two portal processes and PostgreSQL spent, per
# 1,000 requests: the figure a capacity estimate scales from.
# Usage: scripts/loadgen-table.sh [DURATION [all|bolt|pg]]   (default 5m: every kiosk polls once)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5m}"
which="${2:-all}"
bin=$(mktemp -d)
go build -o "$bin/infomat-loadgen" ./cmd/infomat-loadgen
go build -o "$bin/infomat-portal" ./cmd/infomat-portal

if [ "$which" != pg ]; then
  echo "== 1. bbolt, 1,000 kiosks, $dur"
  "$bin/infomat-loadgen" --kiosks 1000 --duration "$dur"
  echo "== 2. bbolt, 10,000 kiosks, $dur"
  "$bin/infomat-loadgen" --kiosks 10000 --duration "$dur"
fi
[ "$which" = bolt ] && { rm -rf "$bin"; exit 0; }

. scripts/pg.sh
pg_start shared_buffers=256MB
db="postgres://infomat@/postgres?host=$pg_dir"
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" "$bin"; pg_stop; }
trap cleanup EXIT
"$bin/infomat-portal" token create --plain --new-municipality --db "$db" --data "$work" --municipality loadgen --count 10000 >"$work/tokens"
"$bin/infomat-portal" publish --db "$db" --data "$work" --municipality loadgen assets/content >/dev/null
urls=()
for i in 1 2; do
  mkdir -p "$work/p$i"
  port=$((18480 + i))
  "$bin/infomat-portal" serve --db "$db" --data "$work/p$i" --addr "127.0.0.1:$port" \
    --submit-rate -1 --device-quota -1 --reimport 0 2>"$work/p$i.log" &
  pids+=($!)
  urls+=(--url "http://127.0.0.1:$port")
done
for i in $(seq 50); do
  grep -q "portal listening" "$work/p1.log" "$work/p2.log" 2>/dev/null && [ "$(grep -l "portal listening" "$work"/p*.log | wc -l)" -eq 2 ] && break
  sleep 0.2
done
# CPU seconds (user + system) of the portal processes and of every PostgreSQL process.
cpu() {
  local t=0 p
  for p in "${pids[@]}" $(pgrep -u postgres postgres || true); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
echo "== 3. PostgreSQL, 10,000 kiosks, two serve processes, $dur"
"$bin/infomat-loadgen" "${urls[@]}" --tokens "$work/tokens" --kiosks 10000 --duration "$dur" >"$work/result.txt" 2>"$work/progress" &
lg=$!
# The kiosks enrol and settle first; the CPU is counted over the measured window only.
until grep -q "installed on every kiosk" "$work/progress" 2>/dev/null; do sleep 0.5; done
c0=$(cpu); t0=$(date +%s.%N)
wait "$lg"
c1=$(cpu); t1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
cat "$work/result.txt"
reqs=$(sed -n 's/^measured: .*, \([0-9]*\) requests.*/\1/p' "$work/result.txt")
awk -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v n="$reqs" 'BEGIN {
  s = c / hz; w = t1 - t0
  printf "CPU: portals + PostgreSQL %.1f s over %.0f s (%.2f cores busy); %.2f CPU-s per 1,000 requests\n", s, w, s / w, (n > 0 ? 1000 * s / n : 0)
}'
psql_bin="$pg_bin/psql"
"${pg_as[@]}" "$psql_bin" -h "$pg_dir" -U infomat -d postgres -Atc \
  "SELECT 'database holds ' || count(*) || ' submissions, ' || pg_size_pretty(pg_database_size('postgres')) FROM submissions"

#!/usr/bin/env bash
# Measures the kiosk binary BIN as docs/performance.md reports it: under Xvfb at 1080×1920
# with software GL, on the embedded sample content in demo mode and a fresh data directory.
# Prints RSS/PSS (/proc/PID/smaps_rollup) on a fresh home screen, right after
# scripts/profile-walk.sh, and after the idle reset (IDLE, default 20s) plus a minute; with
# PPROF=127.0.0.1:PORT (a binary that has --pprof) it also saves heap profiles to OUT.
#   scripts/profile-kiosk.sh /tmp/p17/infomat [OUT]
set -euo pipefail
BIN=$1
OUT=${2:-/tmp/infomat-profile}
DISP=${DISP:-:91}
IDLE=${IDLE:-20s}
mkdir -p "$OUT"
rm -rf "$OUT/data"
here=$(cd "$(dirname "$0")" && pwd)
if ! xdpyinfo -display "$DISP" >/dev/null 2>&1; then
  Xvfb "$DISP" -screen 0 1080x1920x24 -noreset >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb' EXIT
  sleep 1
fi
export DISPLAY=$DISP LIBGL_ALWAYS_SOFTWARE=1
extra=()
if [ -n "${PPROF:-}" ]; then extra=(--pprof "$PPROF" --trace-startup); fi
"$BIN" --demo --data "$OUT/data" --idle "$IDLE" "${extra[@]}" >"$OUT/kiosk.log" 2>&1 &
pid=$!
mem() { printf '%-22s' "$1"; awk '/^(Rss|Pss):/{printf " %s %d MB", $1, $2/1024} END{print ""}' "/proc/$pid/smaps_rollup"; }
heap() { [ -z "${PPROF:-}" ] || curl -s -o "$OUT/heap-$1.pb.gz" "http://$PPROF/debug/pprof/heap?gc=1"; }
sleep 10
mem "fresh home"; heap fresh
xdotool mousemove 540 1900
"$here/profile-walk.sh"
mem "after walk"; heap walk
sleep "${IDLE%s}"; sleep 70
mem "idle reset + 70 s"; heap idle
kill "$pid"; wait "$pid" || true
grep "startup phase" "$OUT/kiosk.log" || true

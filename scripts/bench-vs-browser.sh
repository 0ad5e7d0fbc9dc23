#!/usr/bin/env bash
# bench-vs-browser.sh — the kiosk against Chromium in kiosk mode showing the same content as
# a plain static site (its twin, cmd/infomat-twin), in interleaved pairs on a private Xvfb at
# 1080x1920: start-up, tap-to-screen latency and PSS fresh and after a walk, with medians and
# ratios (kiosk/browser). docs/bench-vs-browser.md has the method and a measured table.
#
#   scripts/bench-vs-browser.sh [infomat-bench flags]
#
#   --pairs N      interleaved pairs (default 10; 3 for a quick run, about 4 min a pair)
#   --taps N       taps in each walk (default 130)
#   --content DIR  a municipality's content folder instead of the embedded sample
#   --out DIR      where runs.csv and taps.csv go (default test-output/bench-vs-browser)
#   --only kiosk   run just the kiosk (or browser) in each pair: to try a change quickly, no ratios
#
# Needs: Go, Xvfb, xdpyinfo (x11-utils), libXtst (xorg-dev: the bench taps through XTEST),
# chromium; xwd (x11-apps) only for a display given with --display, where the bench cannot
# map the framebuffer and takes screenshots instead. Everything the script starts is stopped
# on exit; infomat-bench stops its own Xvfb and apps.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
for t in Xvfb xdpyinfo chromium; do
	command -v "$t" >/dev/null || { echo "bench-vs-browser.sh: $t not found (apt-get install xvfb x11-utils chromium)" >&2; exit 1; }
done

tmp=$(mktemp -d -t infomat-bench.XXXXXX)
bench_pid=
cleanup() {
	[[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

content=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	[[ ${args[i]} == --content ]] && content=${args[i + 1]:-}
done

echo "building the kiosk, a kiosk that reports its buttons (e2etargets), the twin and the bench …" >&2
scripts/deps.sh bench
# no_emoji: the product's build tags (buildinfo.KioskTags). The e2etargets build only finds
# where the walk's buttons are; the product build is measured.
go build -tags no_emoji -o "$tmp/infomat" ./cmd/infomat
go build -tags e2etargets,no_emoji -o "$tmp/infomat-targets" ./cmd/infomat
go build -o "$tmp/infomat-bench" ./cmd/infomat-bench
go run ./cmd/infomat-twin ${content:+--content "$content"} --out "$tmp/site" >&2

chromium --version
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
"$tmp/infomat-bench" --kiosk "$tmp/infomat" --targets "$tmp/infomat-targets" --site "$tmp/site" "$@" &
bench_pid=$!
wait "$bench_pid"
bench_pid=
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"

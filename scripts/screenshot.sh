#!/usr/bin/env bash
# screenshot.sh — look at the kiosk without a terminal: runs it full screen on a private
# Xvfb at the infomat's portrait resolution (1080x1920) and saves a screenshot.
#
#   scripts/screenshot.sh [BINARY] [OUT.png]
#
#   BINARY   kiosk binary to run; default: build ./cmd/infomat from this checkout
#            (go build into a temp dir, the same as `go run ./cmd/infomat`)
#   OUT.png  where to save the screenshot; default: test-output/home.png (git-ignored)
#
# Environment:
#   INFOMAT_ARGS   extra kiosk flags, e.g. INFOMAT_ARGS="--content /path/to/gmina"
#   READY_TIMEOUT  seconds to wait for the kiosk's "kiosk ready" log line (default 60)
#
# The kiosk gets a fresh --data directory in a temp dir; Xvfb takes the first free display
# from :100 up. Everything the script started is stopped on exit, also on error or Ctrl-C.
# Needs: Xvfb, xdpyinfo (x11-utils), ImageMagick (import).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
bin=${1:+$(abs "$1")}
out=$(abs "${2:-$repo/test-output/home.png}")
ready_timeout=${READY_TIMEOUT:-60}

for t in Xvfb xdpyinfo import; do
	command -v "$t" >/dev/null || { echo "screenshot.sh: $t not found (apt-get install xvfb x11-utils imagemagick)" >&2; exit 1; }
done

tmp=$(mktemp -d -t infomat-shot.XXXXXX)
xvfb_pid= kiosk_pid=
cleanup() {
	if [[ -n $kiosk_pid ]] && kill -0 "$kiosk_pid" 2>/dev/null; then
		kill -TERM "$kiosk_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$kiosk_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$kiosk_pid" 2>/dev/null || true
	fi
	[[ -n $xvfb_pid ]] && kill "$xvfb_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z $bin ]]; then
	echo "building ./cmd/infomat …" >&2
	# -tags: the product's (buildinfo.KioskTags)
	(cd "$repo" && go build -tags no_emoji -o "$tmp/infomat" ./cmd/infomat)
	bin=$tmp/infomat
fi

# A free display from :100 up (the lead developer's Xvfb may be on :99).
n=100
while [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]]; do n=$((n + 1)); done
export DISPLAY=:$n
Xvfb "$DISPLAY" -screen 0 1080x1920x24 -nolisten tcp -noreset >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
xdpyinfo >/dev/null 2>&1 || { echo "Xvfb on $DISPLAY did not start:" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }

# shellcheck disable=SC2086 # INFOMAT_ARGS is split into flags on purpose
"$bin" --data "$tmp/data" ${INFOMAT_ARGS:-} >"$tmp/kiosk.log" 2>&1 &
kiosk_pid=$!
deadline=$((SECONDS + ready_timeout))
until grep -q 'kiosk ready' "$tmp/kiosk.log"; do
	if ! kill -0 "$kiosk_pid" 2>/dev/null || ((SECONDS >= deadline)); then
		echo "kiosk did not become ready (log below):" >&2
		cat "$tmp/kiosk.log" >&2
		exit 1
	fi
	sleep 0.1
done
grep 'kiosk ready' "$tmp/kiosk.log" >&2
sleep 1 # let the first frame be drawn

mkdir -p "$(dirname "$out")"
import -window root "$out"
echo "$out"

#!/usr/bin/env bash
# Runs the kiosk on its embedded default content ("Gmina Przykładowa") in demo mode (--demo:
# its forms encrypt to the sample key, whose private half is published in testdata/, so never
# on a kiosk for residents). Extra arguments go to the kiosk: --windowed for a window instead
# of full screen, --data DIR, --content DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display (DISPLAY/WAYLAND_DISPLAY unset). Run it from a desktop session, or" >&2
  echo "see it headless with: scripts/screenshot.sh" >&2
  exit 1
fi
# -tags: the product's build tags (buildinfo.KioskTags: no bundled emoji font).
exec go run -tags no_emoji ./cmd/infomat --demo "$@"

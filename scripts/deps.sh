#!/usr/bin/env bash
# Installs the Debian packages a command needs, only those missing, so the README's commands
# work on a fresh Debian machine with Go. Usage: scripts/deps.sh run|test|bench
set -euo pipefail

# gcc: Fyne's driver is cgo, and so is the race detector. poppler-utils: pdftoppm and pdfinfo
# show BIP attachments (PDF) as page images on the kiosk. espeak-ng speaks in speech mode,
# alsa-utils plays it (aplay) and reads the headphone jack (amixer).
case "${1:-}" in
  run)  pkgs=(gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev poppler-utils espeak-ng alsa-utils) ;;
  # Window tests: Xvfb for the screen, xdotool to tap, ImageMagick to photograph,
  # x11-utils for xdpyinfo (is the screen up yet?). sox checks the speech's WAV files.
  # chromium (headless, driven by chromedp) and a font with Polish letters for the portal
  # panel's browser tests. postgresql: the portal's database backend is tested on a real
  # server (a private cluster scripts/test.sh starts; pg_dump/pg_restore for the backup test).
  # lintian: packaging/build checks the .deb files with it.
  test) pkgs=(gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev poppler-utils espeak-ng alsa-utils xvfb xdotool imagemagick x11-utils sox chromium fonts-dejavu-core postgresql lintian) ;;
  # scripts/bench-vs-browser.sh: the kiosk and Chromium on Xvfb, XTEST (xorg-dev) taps, xwd (x11-apps) only with --display.
  bench) pkgs=(gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev xvfb x11-utils x11-apps chromium fonts-dejavu-core) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

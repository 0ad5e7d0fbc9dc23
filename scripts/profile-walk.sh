#!/usr/bin/env bash
# A scripted walk through the kiosk for profiling (docs/performance.md): categories and their
# cards (scrolled), BIP pages, search, the language switch, back and Start — taps from
# xdotool on a 1080×1920 screen. The kiosk must be showing its home screen with the sample
# content on DISPLAY. ROUNDS (default 1) repeats the walk; PAUSE (default 0.5 s) is between
# taps.
set -euo pipefail
: "${DISPLAY:?set DISPLAY to the X display of the kiosk}"
ROUNDS=${ROUNDS:-1}
PAUSE=${PAUSE:-0.5}
taps=0
tap() { xdotool mousemove "$1" "$2" click 1; taps=$((taps + 1)); sleep "$PAUSE"; }
back() { tap 70 46; }
start() { tap 220 46; }
down() { tap 1030 1820; }
for _ in $(seq "$ROUNDS"); do
  # Sprawy urzędowe: each of the 8 categories from Start (a category with one card cannot
  # throw the walk off), its first card scrolled twice.
  for k in 0 1 2 3 4 5 6 7; do
    tap 280 580
    tap 200 $((134 + 128 * k))
    tap 200 262; back
    tap 200 134; down; down
    start
  done
  # BIP: the five latest pages, each scrolled once.
  tap 800 580
  for y in 1090 1230 1374 1546 1690; do
    tap 300 "$y"; down; back
  done
  start
  # Search: two queries, the first result of each, back.
  tap 280 1070
  xdotool type --delay 60 "dowod"; sleep "$PAUSE"
  tap 300 330; back
  tap 540 120; xdotool key ctrl+a BackSpace; xdotool type --delay 60 "podatek"; sleep "$PAUSE"
  tap 300 330; back
  start
  # A card in English and Ukrainian, then Polish again.
  tap 280 580; tap 200 134; tap 200 134
  tap 944 46; down; tap 1032 46; down; tap 856 46
  start
done
echo "$taps taps"

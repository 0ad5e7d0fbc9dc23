#!/usr/bin/env bash
# Rebuilds the panel's in-browser decryption into sync/portal/panel/static: filippo.io/age
# (the version in go.mod) compiled to WebAssembly and gzipped (age.wasm.gz, served as is with
# Content-Encoding: gzip), the Go runtime's loader for it (wasm_exec.js, from the same Go),
# and age.wasm.version, which TestAgeWasmMatchesGoMod compares with go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."
out=sync/portal/panel/static
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' \
  -o "$tmp/age.wasm" ./sync/portal/panel/agewasm
gzip -9 -n -c "$tmp/age.wasm" > "$out/age.wasm.gz"
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
chmod 644 "$out/wasm_exec.js" "$out/age.wasm.gz"
printf 'filippo.io/age %s\n%s\n' "$(go list -m -f '{{.Version}}' filippo.io/age)" "$(go env GOVERSION)" > "$out/age.wasm.version"
ls -l "$out/age.wasm.gz" "$out/wasm_exec.js"
cat "$out/age.wasm.version"

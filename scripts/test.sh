#!/usr/bin/env bash
# Runs the whole test suite: vet, every package's tests (headless Fyne tests need no display),
# the end-to-end test of the real binary under Xvfb, and each benchmark once as a smoke test.
# Figures: go test -run '^$' -bench . -benchtime 20x ./...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
bench_log=$(mktemp)
if ! go test -count=1 -run '^$' -bench . -benchtime 1x -timeout 20m ./... >"$bench_log" 2>&1; then
  cat "$bench_log"; exit 1
fi
echo "benchmarks ran once each (for figures: go test -run '^\$' -bench . -benchtime 20x ./...)"
INFOMAT_E2E=1 go test -count=1 -timeout 40m ./...

#!/usr/bin/env bash
# Runs the whole test suite: vet, every package's tests (headless Fyne tests need no display),
# the end-to-end test of the real binary under Xvfb, each benchmark once as a smoke test, and
# the packaging module's tests (the .deb files).
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
scripts/fyne-fork.sh --check   # the Fyne the product builds with is upstream + our patch
(cd third_party/fyne && go test ./internal/painter/ ./internal/svg/ ./internal/cache/ ./canvas/)   # the patch's own tests (its caches)
# A private PostgreSQL for the portal's database backend (package pgtest makes a database per
# test on it); durability off, as only the tests use it and they kill servers, not machines.
. scripts/pg.sh
pg_start fsync=off
export INFOMAT_TEST_POSTGRES="$PG_URL"
go -C packaging vet ./...   # packaging/ is its own module (nfpm stays out of the product's go.mod)
bench_log=$(mktemp)
if ! go test -count=1 -run '^$' -bench . -benchtime 1x -timeout 20m ./... >"$bench_log" 2>&1; then
  cat "$bench_log"; exit 1
fi
echo "benchmarks ran once each (for figures: go test -run '^\$' -bench . -benchtime 20x ./...)"
# The race detector (it needs cgo) over every package that does not link Fyne's GLFW/OpenGL
# driver (only cmd/infomat does; its end-to-end tests run below). Bounded: a hang fails.
race_pkgs=$(go list -f '{{.ImportPath}} {{join .Deps " "}}' ./... | awk '!/github\.com\/go-gl\// {print $1}')
race_start=$SECONDS
CGO_ENABLED=1 go test -race -count=1 -timeout 15m $race_pkgs
echo "race detector: $(echo $race_pkgs | wc -w) packages in $((SECONDS - race_start)) s"
INFOMAT_E2E=1 go test -count=1 -timeout 40m ./...
# The packaging module's tests build the binaries (the kiosk with cgo) once and the .deb files.
# On CI (a disposable machine, as root) they also install, upgrade and purge the .deb on the
# machine itself; a developer's machine is left alone unless asked.
deb_install="${INFOMAT_DEB_INSTALL:-0}"
if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then deb_install=1; fi
pkg_start=$SECONDS
INFOMAT_DEB_INSTALL="$deb_install" go -C packaging test -count=1 -timeout 40m ./...
echo "packaging: $((SECONDS - pkg_start)) s"

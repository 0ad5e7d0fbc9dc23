# Release packaging. The README's commands (scripts/kiosk.sh, scripts/test.sh) need no make.
#   make deb                 dist/infomat_$(VERSION)_amd64.deb and dist/infomat-portal_$(VERSION)_amd64.deb
#   make deb VERSION=0.5.1   another version (default: the VERSION file, else git describe)
#   make clean
VERSION ?= $(shell cat VERSION 2>/dev/null || git describe --tags --always --dirty | sed 's/^v//')
DIST ?= dist

.PHONY: deb clean

# packaging/ is its own Go module (nfpm stays out of the product's go.mod), hence -C and an
# absolute --out.
deb:
	go -C packaging run ./build --version $(VERSION) --out $(abspath $(DIST))

clean:
	rm -rf $(DIST)

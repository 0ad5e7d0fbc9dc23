#!/usr/bin/env bash
# Fetches axe-core (the accessibility checker the portal's browser tests run in chromium) from
# npm at the pinned version, checks the tarball against the pinned integrity and against what
# the registry says, and copies axe.min.js and its licence into sync/portal/axecheck/axe/.
# Tests never fetch it: CI must not depend on npm. To move to a newer version, change VERSION
# and INTEGRITY (npm view axe-core@<version> dist.integrity), run this, run the browser tests
# (INFOMAT_E2E=1 go test ./sync/portal/...) and commit the three files it writes.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.14.1
INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
dest=sync/portal/axecheck/axe

command -v npm >/dev/null || { echo "npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

registry=$(npm view "axe-core@$VERSION" dist.integrity)
if [ "$registry" != "$INTEGRITY" ]; then
  echo "axe-core $VERSION: the registry says integrity $registry, pinned $INTEGRITY" >&2
  exit 1
fi
tarball=$(cd "$tmp" && npm pack --silent "axe-core@$VERSION")
got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "axe-core $VERSION: downloaded tarball has integrity $got, pinned $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tmp/$tarball" -C "$tmp" package/axe.min.js package/LICENSE package/package.json
license=$(node -p "require('$tmp/package/package.json').license" 2>/dev/null || echo MPL-2.0)
mkdir -p "$dest"
cp "$tmp/package/axe.min.js" "$dest/axe.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
sum=$(sha256sum "$dest/axe.min.js" | cut -d' ' -f1)
cat >"$dest/README.md" <<NOTE
# axe-core $VERSION (vendored, for tests only)

\`axe.min.js\` is axe-core $VERSION by Deque Systems, unmodified, from the npm package
\`axe-core\`; licence $license (the full text is in \`LICENSE\`). Package
\`infomat/sync/portal/axecheck\` embeds it and runs it in the browser tests of the portal's
pages; it is in no shipped binary.

- npm tarball integrity: \`$INTEGRITY\`
- SHA-256 of \`axe.min.js\`: \`$sum\`

Update: change VERSION and INTEGRITY in \`scripts/update-axe.sh\` and run it; it refuses a
tarball whose integrity differs from the pinned one or from the registry's.
NOTE
echo "axe-core $VERSION -> $dest/axe.min.js (sha256 $sum)"

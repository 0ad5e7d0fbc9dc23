#!/usr/bin/env bash
# Makes third_party/fyne: Fyne at the version below with third_party/fyne.patch applied, the
# copy go.mod's replace directive builds the product with (why: third_party/README.md).
#   scripts/fyne-fork.sh          write third_party/fyne again (after changing the patch or
#                                 the version; then commit both)
#   scripts/fyne-fork.sh --check  fail if third_party/fyne is not exactly upstream + patch
#                                 (scripts/test.sh runs this)
#   scripts/fyne-fork.sh --patch  write the patch from third_party/fyne as edited (after
#                                 changing the copy; then commit both)
# The copy leaves out what no build of the product reads: Fyne's own tests and their data,
# its command-line tools (cmd/) and the pictures of its README (img/).
set -euo pipefail
cd "$(dirname "$0")/.."
version=v2.7.1
module=fyne.io/fyne/v2
# The module's hash as go.sum had it before the replace (the go command checks a download
# against the checksum database too; this pins the exact upstream the patch applies to).
sum=h1:ja7rNHWWEooha4XBIZNnPP8tVFwmTfwMJdpZmLxm2Zc=
patch=third_party/fyne.patch
dest=third_party/fyne

# The upstream module from the Go module proxy, through a throwaway module so that this
# one's replace directive does not hide it.
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
printf 'module fyneupstream\n\ngo 1.24\n\nrequire %s %s\n' "$module" "$version" >"$scratch/go.mod"
(cd "$scratch" && GOFLAGS=-mod=mod go mod download -json "$module@$version") >"$scratch/download.json"
src=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' "$scratch/download.json")
[ -d "$src" ] || { echo "fyne-fork: could not download $module@$version" >&2; exit 1; }
grep -q "\"Sum\": \"$sum\"" "$scratch/download.json" || { echo "fyne-fork: $module@$version is not the module pinned here ($sum)" >&2; exit 1; }

out="$scratch/fyne"
mkdir -p "$out"
tar -C "$src" --exclude='*_test.go' --exclude=testdata --exclude=./cmd --exclude=./img \
  --exclude=./.github -cf - . | tar -C "$out" -xf -
chmod -R u+w "$out"
if [ "${1:-}" = --patch ]; then
  # Paths as a/… and b/…, no dates: the patch changes only where the copy does.
  (cd "$scratch" && mv fyne a && ln -s "$OLDPWD/$dest" b && diff -ruN a b >"$OLDPWD/$patch.new") || [ $? -eq 1 ]
  sed -E 's/^((---|\+\+\+) [^\t]*)\t.*$/\1/' "$patch.new" >"$patch" && rm "$patch.new"
  echo "fyne-fork: wrote $patch ($(grep -c '^+++ ' "$patch") files changed)"
  exit 0
fi
patch -s -p1 -d "$out" <"$patch"

if [ "${1:-}" = --check ]; then
  if ! diff -r "$out" "$dest" >"$scratch/diff"; then
    head -50 "$scratch/diff" >&2
    echo "fyne-fork: $dest is not $module $version + $patch; run scripts/fyne-fork.sh" >&2
    exit 1
  fi
  echo "fyne-fork: $dest is $module $version + $patch"
  exit 0
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -a "$out" "$dest"
echo "fyne-fork: wrote $dest ($module $version + $patch, $(find "$dest" -type f | wc -l) files)"

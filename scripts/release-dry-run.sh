#!/usr/bin/env bash
# Rehearses a release without keys, credentials or upload: runs the `release` profile on a copy of
# the working tree set to a release version, signs with a throwaway GnuPG key, and lists the
# Central bundle that `mvn -Prelease deploy` would upload.
#
#   scripts/release-dry-run.sh [VERSION]     VERSION defaults to the current one without -SNAPSHOT
#
# Nothing leaves the machine and nothing is installed into ~/.m2: the copy lives in a temporary
# directory, the key in a temporary GNUPGHOME, and the publishing plugin, which makes the bundle
# and then uploads it, is pointed at a closed port of this machine (-DcentralBaseUrl), with dummy
# credentials from a temporary settings file. (Its -DskipPublishing would skip the bundle too.)
# Needs JDK 17+, Maven 3.8.7+, git, gpg and unzip. Takes one build without tests.
set -euo pipefail
cd "$(dirname "$0")/.."

current=$(sed -n 's|^  <version>\(.*\)</version>|\1|p' pom.xml | head -n 1)
version=${1:-${current%-SNAPSHOT}}
case "$version" in
  *-SNAPSHOT) echo "release-dry-run: $version is a snapshot; snapshots make no bundle" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/gocontext-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree" "$work/gnupg"
chmod 700 "$work/gnupg"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$work/tree"
find "$work/tree" -name pom.xml -exec sed -i "s|<version>$current</version>|<version>$version</version>|" {} +

export GNUPGHOME="$work/gnupg"
gpg --batch --quiet --passphrase '' --quick-gen-key 'gocontext release dry run <dry-run@example.invalid>' \
  rsa3072 sign 1d 2>/dev/null
cat > "$work/settings.xml" <<'XML'
<settings><servers><server><id>central</id><username>dry-run</username><password>dry-run</password></server></servers></settings>
XML

echo "release-dry-run: building $version in $work/tree ..." >&2
# The build ends with the upload's failure (connection refused): expected, and checked below.
(cd "$work/tree" && mvn -B -ntp -s "$work/settings.xml" -Prelease -DcentralBaseUrl=http://127.0.0.1:1 \
  -Dmaven.install.skip=true -DskipTests -Dbenchmarks.smoke.skip=true deploy) > "$work/build.log" 2>&1 || true

bundle=$(find "$work/tree" -path '*/target/central-publishing/*.zip' | head -n 1)
if [ -z "$bundle" ]; then
  echo "release-dry-run: no bundle was made; the end of the build's log:" >&2
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
if grep -q 'BUILD SUCCESS' "$work/build.log"; then
  echo "release-dry-run: the upload to a closed port succeeded?! check the release profile" >&2
  exit 1
fi
entries=$(unzip -Z1 "$bundle" | sort)
echo "release-dry-run: the bundle ${bundle#"$work/tree/"} holds:"
sed 's/^/  /' <<< "$entries"
unsigned=$(grep -E '\.(jar|pom)$' <<< "$entries" | while read -r f; do
  grep -qxF "$f.asc" <<< "$entries" || echo "$f"; done)
if [ -n "$unsigned" ]; then
  echo "release-dry-run: without a signature: $unsigned" >&2
  exit 1
fi
echo "release-dry-run: every jar and pom is signed; nothing was uploaded"

#!/usr/bin/env bash
# Shows that the build is reproducible: builds the working tree twice, in two fresh copies at
# different paths, and compares every jar the build makes, byte for byte.
#
#   scripts/check-reproducible.sh          exit 0: every jar identical; 1: some differ (listed)
#
# The copies hold the files git knows about plus new ones it does not ignore (your uncommitted
# edits included), never target/ directories, so nothing of an earlier build can leak in. Tests
# and the JMH smoke run are skipped: they do not change the jars. Needs JDK 17+, Maven 3.8.7+,
# git, and unzip for the report of a difference. Takes two builds (a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/gocontext-reproducible.XXXXXX")
trap 'rm -rf "$work"' EXIT

copy_tree() { # copy_tree DIR: the files of the working tree, without ignored ones
  mkdir -p "$1"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$1"
}

for build in first second; do
  copy_tree "$work/$build"
  echo "check-reproducible: $build build in $work/$build ..." >&2
  (cd "$work/$build" && mvn -B -ntp -q -DskipTests -Dbenchmarks.smoke.skip=true package)
done

same=0
differ=()
while IFS= read -r jar; do
  if cmp -s "$work/first/$jar" "$work/second/$jar"; then
    same=$((same + 1))
  else
    differ+=("$jar")
  fi
done < <(cd "$work/first" && find . -maxdepth 3 -path '*/target/*.jar' | sed 's|^\./||' | sort)

if [ "${#differ[@]}" -eq 0 ] && [ "$same" -gt 0 ]; then
  echo "check-reproducible: all $same jars are byte-identical"
  exit 0
fi
echo "check-reproducible: $same jars identical, ${#differ[@]} differ:"
for jar in "${differ[@]}"; do
  echo "  $jar; entries that differ (size, CRC or time):"
  diff <(unzip -v "$work/first/$jar" | awk 'NR > 3 {print $1, $5, $6, $7, $8}') \
       <(unzip -v "$work/second/$jar" | awk 'NR > 3 {print $1, $5, $6, $7, $8}') | sed 's/^/    /' | head -20 || true
done
exit 1

#!/usr/bin/env bash
# Checks the README's promise for a fresh clone with Node and npm only: `npm install && npm test` passes, skipping
# each test whose dataset or oracle is absent with a one-line reason, and the same run under CI=true fails.
# The clone has no ../shared beside it; Debian's datasets, Python packages and redis-server are hidden in a private mount
# namespace (needs root and util-linux unshare, as in .ci/run). Checks the committed HEAD.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/np-fresh-XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/neuroplast"
mkdir "$work/empty"

# Runs npm install && npm test in the clone with the system's datasets and oracles out of sight. Where this
# sandbox refuses a mount namespace, only ../shared is absent (the check then covers that alone, and says so).
if unshare -m true 2>/dev/null; then
  hide='for d in /usr/share/datasets /usr/share/dict /usr/lib/python3/dist-packages; do
      if [ -d $d ]; then mount --bind "'"$work/empty"'" $d; fi
    done
    if [ -e /usr/bin/redis-server ]; then mount --bind /dev/null /usr/bin/redis-server; fi'
  namespace=(unshare -m)
else
  echo "note: no mount namespace here (unshare -m refused): Debian's packages stay visible, only ../shared is absent"
  hide=':'
  namespace=()
fi
hidden() {
  env -u NEUROPLAST_SHARED -u NEUROPLAST_DATA -u CI "$@" "${namespace[@]}" bash -c "
    $hide
    cd '$work/neuroplast' && npm install --no-audit --no-fund >/dev/null 2>&1 && npm test"
}

echo "fresh clone in $work/neuroplast: npm install && npm test"
if ! hidden > "$work/plain.log" 2>&1; then
  grep -E -A30 '^ *not ok ' "$work/plain.log" | head -120
  tail -12 "$work/plain.log"
  echo "FAIL: npm test failed on a fresh clone"
  exit 1
fi
grep -E '^# (tests|pass|fail|skipped)' "$work/plain.log"
skips=$(grep -E '^ *ok [0-9]+ - .* # SKIP ' "$work/plain.log" | sed -E 's/.* # SKIP //' | sort | uniq -c)
echo "skip reasons:"
echo "$skips"
if [ -z "$skips" ] || grep -qE '^ *[0-9]+ *$' <<< "$skips"; then
  echo "FAIL: expected skipped tests, each with a reason"
  exit 1
fi

# Under CI=true only the tests that skipped above run again (the others passed already, and the suite's time counts
# twice otherwise): each must now fail, naming what it needs. Their names become anchored, escaped patterns.
grep -E '^ *ok [0-9]+ - .* # SKIP ' "$work/plain.log" | sed -E 's/^ *ok [0-9]+ - (.*) # SKIP .*/\1/' | sort -u |
  sed -E 's/[][\.*^$(){}+?|/]/\\&/g; s/^/--test-name-pattern=^/; s/$/$/' > "$work/patterns"
hidden_ci() {
  env -u NEUROPLAST_SHARED -u NEUROPLAST_DATA CI=true "${namespace[@]}" bash -c "
    $hide
    cd '$work/neuroplast' && mapfile -t patterns < '$work/patterns' &&
      node --test \"\${patterns[@]}\" build/test/*.test.js build/test/hostile/*.test.js"
}

echo "the same with CI=true, the $(wc -l < "$work/patterns") tests that skipped: must fail"
if hidden_ci > "$work/ci.log" 2>&1; then
  echo "FAIL: npm test passed under CI=true although dependencies are missing"
  exit 1
fi
grep -E '^# (tests|pass|fail|skipped)' "$work/ci.log"
if ! grep -q 'CI=true: needs' "$work/ci.log"; then
  tail -40 "$work/ci.log"
  echo "FAIL: the CI=true failures do not name the missing dependency"
  exit 1
fi
echo "fresh-clone check passed"

#!/usr/bin/env bash
# Packs x2d365 as `npm publish` would, installs the tarball into an empty folder (its dependencies come from the
# npm registry, better-sqlite3 is built), and runs the installed CLI from there: `--help`, timed (median of 5),
# and a small demo. Proves the tarball holds everything the CLI needs at run time, and nothing from test/.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/*.tgz)
files=$(tar -tzf "$tarball")
echo "tarball: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) KiB packed, $(echo "$files" | wc -l) files"
if echo "$files" | grep -vE '^package/(dist/src/|dist/sim/|bin/|README\.md$|package\.json$)'; then
  echo 'pack-check: the files above should not be in the tarball (see "files" in package.json)' >&2
  exit 1
fi
if echo "$files" | grep -E '\.test\.js$|test-helpers'; then
  echo 'pack-check: tests are in the tarball (see tsconfig.build.json)' >&2
  exit 1
fi

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball"

npx --no-install x2d365 --help >/dev/null

# The CLI's own start time (the bin npm linked), then the same through npx, which adds its own start.
median_ms() {
  local times=()
  for _ in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  echo "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms (runs: ${times[*]})"
}
echo "x2d365 --help: median $(median_ms node_modules/.bin/x2d365 --help)"
echo "npx x2d365 --help: median $(median_ms npx --no-install x2d365 --help)"

if ! npx --no-install x2d365 demo --accounts 50 --contacts 80 >demo.log 2>&1; then
  tail -n 40 demo.log >&2
  echo 'pack-check: the demo failed from the installed tarball' >&2
  exit 1
fi
tail -n 1 demo.log
echo 'pack-check: OK'

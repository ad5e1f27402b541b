#!/usr/bin/env bash
# Builds a frozen copy of @livehub/protocol + @livehub/server at a commit, outside the working tree,
# for benchmarking a fixed version (or A/B between two) while the workspace keeps changing:
#
#   bench/scripts/snapshot.sh <commit> <dir>
#   BENCH_LIVEHUB=<dir>/packages/server node bench/dist/cli.js ...
#
# Dependencies are symlinked from the workspace's node_modules (run `npm install` first).
set -euo pipefail
commit=${1:?usage: snapshot.sh <commit> <dir>}
dir=${2:?usage: snapshot.sh <commit> <dir>}
root=$(cd "$(dirname "$0")/../.." && pwd)
sha=$(git -C "$root" rev-parse "$commit")
rm -rf "$dir"
mkdir -p "$dir/node_modules/@livehub"
git -C "$root" archive "$sha" packages/protocol packages/server tsconfig.base.json | tar -x -C "$dir"
for e in "$root"/node_modules/* "$root"/node_modules/.bin; do
  n=$(basename "$e")
  [ "$n" = "@livehub" ] || ln -s "$e" "$dir/node_modules/$n"
done
ln -s "$dir/packages/protocol" "$dir/node_modules/@livehub/protocol"
ln -s "$dir/packages/server" "$dir/node_modules/@livehub/server"
(cd "$dir" && "$root/node_modules/.bin/tsc" -b packages/protocol packages/server)
echo "$sha" > "$dir/COMMIT"
echo "built $sha in $dir; use BENCH_LIVEHUB=$dir/packages/server"

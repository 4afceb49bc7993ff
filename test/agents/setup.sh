#!/usr/bin/env bash
# Installs the real agents the agent suite runs (npm run test:agents), from the npm registry only:
#   @anthropic-ai/claude-code (its postinstall copies the native binary of its platform package over bin/claude.exe; no download)
#   @openai/codex             (a native binary in its platform package)
# into .cache/agents (git-ignored). A rerun at the same versions is a no-op. Other versions:
#   AGENTLOG_CLAUDE_VERSION=2.1.340 AGENTLOG_CODEX_VERSION=0.172.0 bash test/agents/setup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${AGENTLOG_AGENTS_CACHE:-$ROOT/.cache/agents}
CLAUDE_VER=${AGENTLOG_CLAUDE_VERSION:-2.1.332}
CODEX_VER=${AGENTLOG_CODEX_VERSION:-0.171.0}

installed() { # package folder, version
  [ -f "$CACHE/node_modules/$1/package.json" ] &&
    [ "$(node -p "require('$CACHE/node_modules/$1/package.json').version")" = "$2" ]
}

mkdir -p "$CACHE"
if ! installed @anthropic-ai/claude-code "$CLAUDE_VER" || ! installed @openai/codex "$CODEX_VER"; then
  npm install --prefix "$CACHE" --no-save --no-package-lock --no-audit --no-fund \
    "@anthropic-ai/claude-code@$CLAUDE_VER" "@openai/codex@$CODEX_VER"
fi
"$CACHE/node_modules/.bin/claude" --version >/dev/null
"$CACHE/node_modules/.bin/codex" --version >/dev/null
echo "agents ready in $CACHE: claude $CLAUDE_VER, codex $CODEX_VER"

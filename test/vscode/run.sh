#!/usr/bin/env bash
# npm run test:vscode: install the tools (cached in .cache/vscode), package the .vsix, then run the
# extension's tests inside a real VS Code: code-server in headless chromium here (the default), or a
# desktop VS Code with AGENTLOG_VSCODE=desktop (downloaded by @vscode/test-electron) or VSCODE_EXECUTABLE.
# Screenshots land in $AGENTLOG_SCREENSHOTS (default .cache/vscode/screenshots). While working on one
# test: AGENTLOG_TEST_GREP='words of its title' runs only the first window's tests whose title holds them
# (the windows of Source Control's question, suite/consent.ts, always run), AGENTLOG_TEST_LONG=0 leaves
# out the 10,000-event session, AGENTLOG_RELOAD_CHECK=0 the reload check.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${AGENTLOG_VSCODE:-}" != desktop ] && [ -z "${VSCODE_EXECUTABLE:-}" ]; then bash test/vscode/setup.sh; fi
mkdir -p .cache/vscode
npm run --silent package > .cache/vscode/package.log 2>&1 || { cat .cache/vscode/package.log; exit 1; }
npx tsx test/vscode/runTest.ts

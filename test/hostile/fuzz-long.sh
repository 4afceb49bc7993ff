#!/usr/bin/env bash
# The long run of the property-based fuzzers (test/hostile/fuzz-*.test.ts): the same properties as in
# `npm test`, with many more inputs each (AGENTLOG_FUZZ_RUNS, default 10000 a property, against 150 in
# `npm test`) and a memory budget for the whole run (the worker's V8 heap is capped at 512 MB, so an
# input that makes a parser allocate without bound ends the run). Replay a failure with the seed
# fast-check prints: AGENTLOG_FUZZ_SEED=<seed> AGENTLOG_FUZZ_RUNS=<n> test/hostile/fuzz-long.sh.
# Then the crash-state explorer over every state of its bounds and fault injection at every call
# (AGENTLOG_CRASH_FULL=1: test/hostile/crash-states.test.ts, fault-injection-compaction-pull.test.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
export AGENTLOG_FUZZ_RUNS="${AGENTLOG_FUZZ_RUNS:-10000}"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-old-space-size=512"
npx vitest run --testTimeout=1800000 --hookTimeout=600000 test/hostile/fuzz- "$@"
AGENTLOG_CRASH_FULL=1 npx vitest run --testTimeout=1800000 --hookTimeout=600000 test/hostile/crash-states test/hostile/fault-injection

/**
 * LangGraph's own conformance suite for custom checkpointers (@langchain/langgraph-checkpoint-validation:
 * specTest — put, putWrites, getTuple, list, deleteThread — and deltaChannelHistoryTests), run against
 * AgentlogSaver as LangGraph's repository runs it for its savers: called from a test file (the package's
 * 1.1.1 CLI is broken). Registered under its own name, so the suite's skips for named savers (MemorySaver,
 * SQLite, MongoDB do not store channel deltas) do not apply: "should only store channel_values that have
 * changed" runs here. Each checkpointer gets a fresh store in a temporary folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentlogSaver } from '../../packages/langgraph/src/index.js';
import { git, tmpdir } from '../helpers/tmp.js';

// The suite's files call describe/it/expect as globals (LangGraph's vitest config sets globals: true).
Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it });
const { specTest, deltaChannelHistoryTests } = await import('@langchain/langgraph-checkpoint-validation');

const dirs = new Map<AgentlogSaver, string>();
const initializer = {
  checkpointerName: '@agentlog/langgraph',
  createCheckpointer(): AgentlogSaver {
    const dir = path.join(tmpdir('agentlog-langgraph-'), 'store');
    const saver = new AgentlogSaver({ store: dir, storeOptions: { autoGc: 'off' } });
    dirs.set(saver, dir);
    return saver;
  },
  destroyCheckpointer(saver: AgentlogSaver): void {
    const dir = dirs.get(saver)!;
    dirs.delete(saver);
    // What the suite wrote is a git repository git itself reads without complaint.
    git(dir, ['fsck', '--no-progress']);
    fs.rmSync(dir, { recursive: true, force: true });
  },
};

specTest(initializer);
deltaChannelHistoryTests(initializer);

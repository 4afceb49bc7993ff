import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runTool } from '../../core/agent/tools.js';
import { Workspace } from '../../core/agent/workspace.js';
import { tmpdir } from '../helpers/tmp.js';

// The grep tool runs the model's pattern: it finds what it should, and a pattern that backtracks for
// ever ends as a tool error the model reads, not a run stalled for good.

beforeEach(() => {
  process.env.AGENTLOG_GREP_TIMEOUT_MS = '300';
});
afterEach(() => {
  delete process.env.AGENTLOG_GREP_TIMEOUT_MS;
});

function workspace(): Workspace {
  const dir = tmpdir();
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'a.ts'), 'const x = 1;\nexport function hello() {}\n');
  fs.writeFileSync(path.join(dir, 'b.txt'), `${'a'.repeat(40)}!\nhello again\n`);
  return new Workspace(dir);
}

it('finds the lines a pattern matches, with file and line number', async () => {
  const r = await runTool(workspace(), 'grep', { pattern: 'hel+o' });
  expect(r.is_error).toBe(false);
  expect(r.content.split('\n').sort()).toEqual(['b.txt:2: hello again', 'src/a.ts:2: export function hello() {}']);
});

it('a catastrophically backtracking pattern is a tool error within its time limit', async () => {
  const r = await runTool(workspace(), 'grep', { pattern: '^(a+)+$' });
  expect(r.is_error).toBe(true);
  expect(r.content).toMatch(/took longer than 300 ms to match/);
});

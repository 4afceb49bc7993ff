/**
 * Property-based fuzzing (issue 17, test (c)) of session files, the untrusted text import reads:
 * readJsonl on arbitrary bytes, then the Claude Code and Codex record mapping (planFile: records →
 * timelines of events) on files of plausible and garbled records. Reading never throws (bad lines are
 * warnings); planning throws nothing but AgentlogErrors; every planned event seals (its CID can be
 * computed, as the store will) and every planned timeline name is a valid ref name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CID } from '../../core/codec/cid.js';
import { readJsonl } from '../../core/formats/jsonl.js';
import { badRefName } from '../../core/git/refName.js';
import { cidAt } from '../../core/import/plan.js';
import { planFile } from '../../core/import/index.js';
import { bytes, onlyAgentlogErrors, params } from '../helpers/fuzz.js';
import { tmpdir } from '../helpers/tmp.js';

const dir = tmpdir('agentlog-fuzz-jsonl-');
/** Write the input as `name` in one folder, overwriting the input before: thousands of runs make no more files. */
function writeFile(name: string, data: Uint8Array | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

const word = fc.oneof(fc.constantFrom('', 'a', 'fix the parser', '<command-name>', 'x'.repeat(300)), fc.string({ unit: 'binary', maxLength: 30 }));
const ts = fc.oneof(
  fc.integer({ min: 0, max: 4e12 }).map((t) => new Date(t).toISOString()),
  fc.constantFrom('not a date', '', '2025-13-45T99:99:99Z', '+275760-09-13T00:00:00.001Z'),
  fc.jsonValue(),
);
const any = fc.jsonValue({ maxDepth: 3 });

// Claude Code: records linked by uuid/parentUuid, message content as a string or blocks.
const uuids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', 'u4', ''];
const claudeBlock = fc.oneof(
  fc.record({ type: fc.constant('text'), text: word }),
  fc.record({ type: fc.constant('thinking'), thinking: word, signature: word }),
  fc.record({ type: fc.constant('tool_use'), id: word, name: word, input: any }),
  fc.record({ type: fc.constant('tool_result'), tool_use_id: word, content: fc.oneof(word, any), is_error: fc.boolean() }),
  any,
);
const claudeRecord = fc.record(
  {
    type: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'summary', 'file-history-snapshot'), any),
    uuid: fc.constantFrom(...uuids),
    parentUuid: fc.oneof(fc.constant(null), fc.constantFrom(...uuids)),
    sessionId: fc.oneof(fc.constantFrom('0a0a0a0a-0000-4000-8000-000000000000', 'weird id/..@{x}', '-rf', ''), word),
    timestamp: ts,
    isSidechain: fc.boolean(),
    isMeta: fc.boolean(),
    cwd: word,
    version: word,
    message: fc.record(
      { role: fc.constantFrom('user', 'assistant'), model: word, content: fc.oneof(word, fc.array(claudeBlock, { maxLength: 3 })), id: word },
      { requiredKeys: [] },
    ),
    toolUseResult: any,
  },
  { requiredKeys: ['type'] },
);

// Codex: rollout lines { timestamp, type, payload }. `item` is what a message's content may hold, `id`
// the session id session_meta gives: a null item and an empty id are known bugs (see the skipped
// property at the end), left out of the properties that run.
const codexRecordOf = (item: fc.Arbitrary<unknown>, id: fc.Arbitrary<string>) => {
  const codexPayload = fc.oneof(
    fc.record({ id, cwd: word, timestamp: ts, cli_version: word, originator: word }, { requiredKeys: [] }),
    fc.record({
      type: fc.constant('message'),
      role: fc.constantFrom('user', 'assistant', 'developer', 'x'),
      content: fc.array(fc.oneof(fc.record({ type: fc.constantFrom('input_text', 'output_text'), text: word }), item), { maxLength: 3 }),
    }),
    fc.record({
      type: fc.constant('reasoning'),
      summary: fc.array(fc.oneof(fc.record({ type: fc.constant('summary_text'), text: word }), any), { maxLength: 2 }),
    }),
    fc.record({ type: fc.constantFrom('function_call', 'custom_tool_call'), name: word, arguments: fc.oneof(word, fc.json()), call_id: word, input: any }),
    fc.record({ type: fc.constantFrom('function_call_output', 'custom_tool_call_output'), call_id: word, output: fc.oneof(word, any) }),
    fc.record(
      { type: fc.constantFrom('user_message', 'agent_message', 'agent_reasoning', 'token_count'), message: word, text: word },
      { requiredKeys: ['type'] },
    ),
    fc.record({ model: word, cwd: word }, { requiredKeys: [] }),
    fc.record({ message: fc.oneof(word, any) }),
    any,
  );
  return fc.record(
    { timestamp: ts, type: fc.oneof(fc.constantFrom('session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted'), any), payload: codexPayload },
    { requiredKeys: ['type'] },
  );
};
const codexRecord = codexRecordOf(
  any.filter((v) => v !== null),
  word.filter((w) => w !== ''),
);

/** A session file: records as JSON lines, with some garbage lines and maybe a cut last line. */
function sessionFile(record: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const lineArb = fc.oneof(
    { weight: 8, arbitrary: record.map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[1]', '{"a":1e400}', '"x"', '\r') },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
  return fc.tuple(fc.array(lineArb, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.nat(40)).map(([lines, cut, at]) => {
    const text = `${lines.join('\n')}\n`;
    return cut ? text.slice(0, Math.max(0, text.length - 1 - at)) : text;
  });
}

/** Plan the file; every planned event must seal in its place and every name must be a valid ref name. */
function planAndSeal(format: 'claude' | 'codex', file: string): void {
  const plan = onlyAgentlogErrors(() => planFile(format, file, () => {}));
  if (!plan) return;
  for (const t of plan.timelines) {
    expect(badRefName(`refs/heads/${t.name}`), `timeline name ${JSON.stringify(t.name)}`).toBe(false);
    let prev: CID | null = null;
    t.events.forEach((e, seq) => {
      prev = cidAt(e, seq, prev);
    });
  }
}

describe('fuzz: session JSONL', () => {
  it('readJsonl on arbitrary bytes: records and warnings, never a throw; every line accounted for', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          bytes(300),
          sessionFile(fc.jsonValue()).map((s) => Buffer.from(s)),
        ),
        (b) => {
          const file = writeFile('s.jsonl', b);
          const warnings: unknown[] = [];
          const { lines, bytes: read } = readJsonl(file, (w) => warnings.push(w));
          expect(read).toBeLessThanOrEqual(b.length);
          for (const l of lines) expect(typeof l.value).toBe('object');
        },
      ),
      params(),
    );
  });

  it('Claude Code session files: planning throws only AgentlogErrors; planned events seal; names are valid', () => {
    fc.assert(
      fc.property(sessionFile(claudeRecord), (text) => {
        planAndSeal('claude', writeFile('0a0a0a0a-0000-4000-8000-000000000000.jsonl', text));
      }),
      params(),
    );
  });

  it('Codex rollout files: planning throws only AgentlogErrors; planned events seal; names are valid', () => {
    fc.assert(
      fc.property(sessionFile(codexRecord), (text) => {
        planAndSeal('codex', writeFile('rollout-2025-01-01T00-00-00-0a0a0a0a-0000-4000-8000-000000000000.jsonl', text));
      }),
      params(),
    );
  });

  // Found by this property and fixed: a null content item made rebuildCodex throw a TypeError, and an
  // empty session_meta id named the timeline "codex/", which is no valid name.
  it('Codex rollout files with null content items or an empty id: as above', () => {
    fc.assert(
      fc.property(sessionFile(codexRecordOf(any, word)), (text) => {
        planAndSeal('codex', writeFile('rollout-2025-01-01T00-00-00-0a0a0a0a-0000-4000-8000-000000000000.jsonl', text));
      }),
      params(),
    );
  });
});

/** What the fuzzers above found, kept as plain regression tests. */
describe('fuzz findings (session JSONL)', () => {
  it('a Codex assistant message whose content holds null, followed by reasoning, plans and seals', () => {
    const lines = [
      { type: 'response_item', payload: { type: 'message', role: 'assistant', content: [null] } },
      { type: 'event_msg', payload: { type: 'agent_reasoning', text: '' } },
    ];
    planAndSeal(
      'codex',
      writeFile('rollout-2025-01-01T00-00-00-0a0a0a0a-0000-4000-8000-000000000002.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`),
    );
  });

  it('a Codex function call whose arguments hold an integer beyond 2^53 plans, seals and rebuilds', () => {
    const line = JSON.stringify({
      type: 'response_item',
      payload: { type: 'function_call', name: '', arguments: '{"":{"":[-9007199254740992]}}', call_id: '', input: [] },
    });
    planAndSeal('codex', writeFile('rollout-2025-01-01T00-00-00-0a0a0a0a-0000-4000-8000-000000000001.jsonl', `${line}\n`));
  });

  it('a line holding a number beyond float64 (1e400) is skipped with a warning naming file and line, and the rest imports', () => {
    const file = writeFile('0a0a0a0a-0000-4000-8000-000000000000.jsonl', '{"a":1}\n{"a":1e400}\n{"b":[2E+308]}\n{"c":"1e400"}\n');
    const warnings: Array<{ line?: number; message: string }> = [];
    const { lines } = readJsonl(file, (w) => warnings.push(w));
    expect(lines.map((l) => l.line)).toEqual([1, 4]);
    expect(warnings.map((w) => w.line)).toEqual([2, 3]);
    expect(warnings[0].message).toMatch(/too large/);
    planAndSeal('claude', file);
  });
});

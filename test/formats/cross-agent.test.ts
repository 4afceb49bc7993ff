import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

// Sessions written by the real agents (test/fixtures/agents/README.md).
const CODEX = jsonlFiles(path.join(OWN_FIXTURES, 'agents/codex-0.171.0'))[0];
const CODEX_ID = '01a23876-68de-78c2-a760-1bb3076db507';
const CLAUDE = jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332'))[0];
const CLAUDE_ID = '8508e415-7387-4376-9c1e-2d5d6c8aa097';

/** The keys the Anthropic Messages API accepts on each content block type Claude Code sends on. */
const ACCEPTED: Record<string, string[]> = {
  text: ['type', 'text', 'citations', 'cache_control'],
  thinking: ['type', 'thinking', 'signature'],
  redacted_thinking: ['type', 'data'],
  tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
  tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
  image: ['type', 'source', 'cache_control'],
};

/** What the Messages API would refuse in these Claude records' messages (empty when nothing). */
function refusedByAnthropic(records: Obj[]): string[] {
  const problems: string[] = [];
  const calls = new Set<string>();
  const results = new Set<string>();
  for (const r of records) {
    if (r.type !== 'user' && r.type !== 'assistant') continue;
    const c = r.message.content;
    if (typeof c === 'string') {
      if (c.trim() === '') problems.push(`${r.uuid}: empty string content`);
      continue;
    }
    if (c.length === 0) problems.push(`${r.uuid}: no content`);
    for (const b of c as Obj[]) {
      const keys = ACCEPTED[b.type];
      if (!keys) problems.push(`${r.uuid}: block type ${b.type}`);
      else for (const k of Object.keys(b)) if (!keys.includes(k)) problems.push(`${r.uuid}: ${b.type}.${k}`);
      if (b.type === 'text' && b.text.trim() === '') problems.push(`${r.uuid}: blank text`);
      if (b.type === 'tool_use') {
        if (!/^[A-Za-z0-9_-]+$/.test(b.id)) problems.push(`${r.uuid}: tool_use id ${b.id}`);
        if (!b.input || typeof b.input !== 'object' || Array.isArray(b.input)) problems.push(`${r.uuid}: tool_use input`);
        calls.add(b.id);
      }
      if (b.type === 'tool_result') results.add(b.tool_use_id);
      if (b.type === 'tool_result' && Array.isArray(b.content)) {
        for (const x of b.content) if (x.type !== 'text' && x.type !== 'image') problems.push(`${r.uuid}: tool_result holds ${x.type}`);
      }
    }
  }
  for (const id of calls) if (!results.has(id)) problems.push(`tool_use ${id} without its result`);
  return problems;
}

describe('cross-agent export sends the target API only what it accepts', () => {
  it('a Codex 0.171 session in Claude: text blocks without annotations, no empty message, tool calls paired with their results', async () => {
    const lines = jsonLines(CODEX) as Obj[];
    // Variations Codex writes too: a call id with characters Anthropic refuses, a blank developer
    // message, an answer with citations and a refusal item.
    const call = lines.findIndex((l) => l.payload?.type === 'function_call');
    const out = lines.findIndex((l) => l.payload?.type === 'function_call_output');
    const varied = structuredClone(lines);
    varied[call].payload.call_id = 'call.0/x';
    varied[out].payload.call_id = 'call.0/x';
    const answer = varied.findIndex((l) => l.type === 'response_item' && l.payload.role === 'assistant');
    varied[answer].payload.content.push({ type: 'output_text', text: 'See [1].', annotations: [{ type: 'url_citation', url: 'https://example.com' }] });
    varied[answer].payload.content.push({ type: 'refusal', refusal: 'no' });
    varied.splice(2, 0, {
      timestamp: varied[2].timestamp,
      type: 'response_item',
      payload: { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '  \n' }] },
    });
    const file = path.join(tmpdir('cross-'), path.basename(CODEX));
    fs.writeFileSync(file, `${varied.map((l) => JSON.stringify(l)).join('\n')}\n`);

    for (const source of [CODEX, file]) {
      const store = freshStore();
      await importFiles(store, 'codex', [source]);
      const records = exportTimeline(store, store.tipOf(`codex/${CODEX_ID}`)!, 'claude').records as Obj[];
      expect(refusedByAnthropic(records), source).toEqual([]);
      const texts = records.filter((r) => r.type === 'assistant').flatMap((r) => r.message.content.filter((b: Obj) => b.type === 'text'));
      expect(texts[0]).toEqual({ type: 'text', text: 'The folder holds one file.' });
      const uses = records.flatMap((r) => (r.type === 'assistant' ? r.message.content.filter((b: Obj) => b.type === 'tool_use') : []));
      expect(uses).toEqual([{ type: 'tool_use', id: source === file ? 'call_0_x' : 'call_0', name: 'exec_command', input: { cmd: 'ls' } }]);
      expect(records.filter((r) => r.type === 'user' && r.isMeta === true).every((r) => r.message.content.length > 0)).toBe(true);
    }
  });

  it('a Claude Code 2.1.332 session in Codex: its tool call and result as function_call / function_call_output, in order', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [CLAUDE]);
    const records = exportTimeline(store, store.tipOf(`claude/${CLAUDE_ID}`)!, 'codex').records as Obj[];
    const items = records.filter((r) => r.type === 'response_item').map((r) => r.payload);
    expect(items.map((p) => (p.type === 'message' ? `${p.role}:${p.content.map((c: Obj) => c.type).join('+')}` : p.type))).toEqual([
      'user:input_text',
      'function_call',
      'function_call_output',
      'assistant:output_text',
    ]);
    const [, fc, out] = items;
    expect(fc.name).toBe('Bash');
    expect(JSON.parse(fc.arguments)).toEqual({ command: 'ls', description: 'List files' });
    expect(out).toEqual({ type: 'function_call_output', call_id: fc.call_id, output: 'a.txt' });
    expect(records[0]).toMatchObject({ type: 'session_meta', payload: { cwd: '/tmp/formats-gen/proj' } });
  });
});

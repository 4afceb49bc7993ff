import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import { cliOk } from '../helpers/cli.js';
import { freshStore, jsonLines, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

// A session written by the real Claude Code 2.1.332 (test/fixtures/agents/README.md).
const ID = '8508e415-7387-4376-9c1e-2d5d6c8aa097';
const REAL = path.join(OWN_FIXTURES, `agents/claude-code-2.1.332/${ID}.jsonl`);

/**
 * The transcript record types Claude Code 2.1.332 writes, as its binary lists them (the table that
 * says which records a resume keeps), each with the fields it writes, plus one no version writes yet.
 */
const RECORD_TYPES: Obj[] = [
  { type: 'summary', summary: 'Listed the files', leafUuid: 'x' },
  { type: 'custom-title', customTitle: 'My title' },
  { type: 'ai-title', aiTitle: 'Listing files' },
  { type: 'ended-by-model', timestamp: '2026-12-02T20:32:30.000Z' },
  { type: 'continued-in', timestamp: '2026-12-02T20:32:30.000Z', continuedInSessionId: 'abc' },
  { type: 'last-prompt', lastPrompt: 'list the files here', leafUuid: 'x' },
  { type: 'tag', tag: 'demo' },
  { type: 'relocated', relocatedCwd: '/elsewhere' },
  { type: 'agent-name', agentName: 'helper' },
  { type: 'agent-color', agentColor: 'blue' },
  { type: 'agent-setting', agentSetting: 'x' },
  { type: 'pr-link', url: 'https://example.com/pr/1' },
  { type: 'frame-link', frame: 1 },
  { type: 'artifact-comment-monitor', state: {} },
  { type: 'artifact-autoreact-ledger', entries: [] },
  { type: 'bridge-session', bridge: null },
  { type: 'history-suppression', from: 0 },
  { type: 'file-history-snapshot', messageId: 'm', snapshot: { timestamp: '2026-12-02T20:32:30.000Z', trackedFileBackups: {} }, isSnapshotUpdate: false },
  { type: 'file-history-delta', messageId: 'm', snapshotMessageId: 'm', trackingPath: 'a.txt', backup: null, timestamp: '2026-12-02T20:32:30.000Z' },
  { type: 'attribution-snapshot', snapshot: {} },
  { type: 'mode', mode: 'plan' },
  { type: 'permission-mode', permissionMode: 'acceptEdits' },
  { type: 'isolation-latch', latched: true },
  { type: 'session-owner', owner: 'me' },
  { type: 'dev-mods', mods: [] },
  { type: 'memory-mode', mode: 'on' },
  { type: 'atis-latch', atis: '' },
  { type: 'tools-used', tools: ['Bash', 'Read'] },
  { type: 'data-flow-records', records: [] },
  { type: 'data-flow-incomplete', reason: 'x' },
  { type: 'derived-from', sessionId: 'other' },
  { type: 'worktree-state', state: null },
  { type: 'cost-state', totalCostUSD: 0.5, totalAPIDuration: 10, modelUsage: {} },
  { type: 'queue-operation', operation: 'enqueue', timestamp: '2026-12-02T20:32:30.000Z', content: 'x' },
  { type: 'content-replacement', replacements: [] },
  { type: 'api-request-shape', shapeHash: 'ab', timestamp: '2026-12-02T20:32:30.000Z', version: '2.1.332', shape: { system: [], tools: [] } },
  { type: 'api-request-blob', hash: 'cd', message: { role: 'user', content: [{ type: 'text', text: 'hi' }] } },
  { type: 'api-request', id: 'r1', timestamp: '2026-12-02T20:32:30.000Z', querySource: 'sdk', shapeHash: 'ab', params: {}, keep: 0, tail: ['cd'] },
  { type: 'api-request-resumed', timestamp: '2026-12-02T20:32:30.000Z', messageId: 'm' },
  { type: 'fork-context-ref', ref: 'x' },
  { type: 'observer-ref', ref: 'y' },
  { type: 'resume-head-vouch', head: 'z' },
  { type: 'a-record-type-of-2.2', anything: { nested: [1, 2.5, 'x', null] } },
];

function writeLines(records: unknown[]): string {
  const file = path.join(tmpdir('claude-records-'), `${ID}.jsonl`);
  fs.writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return file;
}

describe('Claude Code 2.1.x records', () => {
  it('a real 2.1.332 session imports without a warning, titled by its prompt, and exports back equal record for record', async () => {
    const store = freshStore();
    const s = await importFiles(store, 'claude', [REAL]);
    expect(s.warnings).toEqual([]);
    const events = store.readEvents(store.tipOf(`claude/${ID}`)!).map((e) => e.event as Obj);
    // The cwd and version come from the prompt's record: the queue-operation records before it name neither.
    expect(events[0]).toMatchObject({
      kind: 'session',
      title: 'list the files here',
      cwd: '/tmp/formats-gen/proj',
      agent: { name: 'claude-code', version: '2.1.332' },
    });
    const kinds = new Set(events.map((e) => e.kind));
    for (const k of ['attachment', 'atis-latch', 'last-prompt', 'api-request-shape', 'api-request-blob', 'api-request', 'tools-used', 'cost-state']) {
      expect(kinds, k).toContain(`claude.${k}`);
    }
    expect(events.filter((e) => e.kind === 'message').map((e) => `${e.role}:${e.content.map((b: Obj) => b.type).join('+')}`)).toEqual([
      'user:text',
      'assistant:thinking',
      'assistant:tool_use',
      'user:tool_result',
      'assistant:text',
    ]);
    expect(exportTimeline(store, store.tipOf(`claude/${ID}`)!, 'claude').records).toEqual(jsonLines(REAL));
    const again = await importFiles(store, 'claude', [REAL]);
    expect(again.events.appended).toBe(0);
  });

  it('every record type 2.1.332 writes, and one of a later version, round-trips and stays in the timeline', async () => {
    const real = jsonLines(REAL) as Obj[];
    const sessionId = { sessionId: ID };
    // Each type after the first prompt, where Claude Code writes them; an attachment in the uuid chain.
    const prompt = real.findIndex((r) => r.type === 'user');
    const records = [...real.slice(0, prompt + 1), ...RECORD_TYPES.map((r) => ({ ...r, ...sessionId })), ...real.slice(prompt + 1)];
    const file = writeLines(records);
    const store = freshStore();
    const s = await importFiles(store, 'claude', [file]);
    expect(s.warnings).toEqual([]);
    expect(s.timelines.names).toEqual([`claude/${ID}`]);
    const tip = store.tipOf(`claude/${ID}`)!;
    const kinds = store.readEvents(tip).map((e) => e.event.kind);
    for (const r of RECORD_TYPES) expect(kinds, r.type).toContain(r.type === 'summary' ? 'claude.summary' : `claude.${r.type}`);
    expect(exportTimeline(store, tip, 'claude').records).toEqual(records);
  });

  it('show prints those records in words, bookkeeping folded to one line, and no raw record kind', async () => {
    const real = jsonLines(REAL) as Obj[];
    const prompt = real.findIndex((r) => r.type === 'user');
    const extra = ['custom-title', 'mode', 'permission-mode', 'summary', 'a-record-type-of-2.2'].map((t) => ({
      ...RECORD_TYPES.find((r) => r.type === t)!,
      sessionId: ID,
    }));
    const file = writeLines([...real.slice(0, prompt + 1), ...extra, ...real.slice(prompt + 1)]);
    const store = freshStore();
    await cliOk(store.dir, ['import', 'claude', file]);
    const { out } = await cliOk(store.dir, ['show', `claude/${ID}`, '--records']);
    expect(out).toContain('═══ list the files here');
    expect(out).toContain('── title: My title');
    expect(out).toContain('── mode → plan');
    expect(out).toContain('── permission mode → acceptEdits');
    expect(out).toMatch(/── summary {2}#\d+ \S+\n {2}Listed the files/);
    expect(out).toContain('── 2 records: queue ×2  #1 ');
    expect(out).toMatch(/── 18 records: a-record-type-of-2\.2, attachment ×10, atis-latch ×2, /);
    expect(out).toMatch(/── 3 records: last-prompt, atis-latch, cost \$0\.00021 {2}#\d+ \S+ – #\d+ \S+\n$/);
    expect(out).toContain('  → Bash {"command":"ls","description":"List files"}');
    expect(out).toContain('  The folder holds one file.');
    expect(out).not.toMatch(/── claude\./);
  });
});

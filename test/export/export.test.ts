import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blocksOf } from '../../core/event/event.js';
import { exportTimeline, toJsonl } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import type { EventInput, Store } from '../../core/store/store.js';
import { sharedFixtures } from '../helpers/shared.js';
import { cli } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

const TREE = path.join(OWN_FIXTURES, 'claude-code/tree.jsonl');
const ROLLOUT = jsonlFiles(path.join(OWN_FIXTURES, 'codex'))[0];
const shared = sharedFixtures();

/** The conversation of a timeline: text, tool calls and results, as a list of comparable lines. */
function conversation(store: Store, tip: string, opts: { compactionAsUser?: boolean } = {}): string[] {
  return store.readEvents(tip).flatMap(({ event: e }) =>
    e.kind === 'compaction' && opts.compactionAsUser
      ? [`user: ${e.summary}`] // Claude Code keeps a compaction's summary as a user message after the boundary
      : e.kind !== 'message'
        ? []
        : blocksOf(e.content).flatMap((b) => {
            if (b.type === 'text') return [`${e.role === 'assistant' ? 'assistant' : 'user'}: ${b.text}`];
            if (b.type === 'tool_use') return [`call ${b.id} ${b.name} ${JSON.stringify(b.input)}`];
            if (b.type === 'tool_result') {
              const c = b.content as unknown;
              const text =
                typeof c === 'string'
                  ? c
                  : blocksOf(c)
                      .filter((x) => x.type === 'text')
                      .map((x) => x.text)
                      .join('\n');
              return [`result ${b.tool_use_id} ${text}`];
            }
            return [];
          }),
  );
}

async function made(): Promise<Store> {
  const store = freshStore();
  await store.create('native', { kind: 'session', ts: 1_760_000_000_000, title: 'Native', cwd: '/work/app', model: 'claude-opus-4-1' });
  const add = (e: Obj) => store.append('native', e as EventInput);
  await add({ kind: 'message', ts: 1_760_000_001_000, role: 'user', content: [{ type: 'text', text: 'List the files' }] });
  await add({
    kind: 'message',
    ts: 1_760_000_002_000,
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'ls will do' },
      { type: 'tool_use', id: 'toolu_ls', name: 'Bash', input: { command: 'ls' } },
    ],
  });
  await add({
    kind: 'message',
    ts: 1_760_000_003_000,
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_ls', content: 'a.txt\nb.txt', is_error: false }],
  });
  await add({ kind: 'note', ts: 1_760_000_004_000, text: 'a person was here' });
  await add({ kind: 'message', ts: 1_760_000_005_000, role: 'assistant', content: [{ type: 'text', text: 'Two files: a.txt and b.txt' }] });
  await add({ kind: 'compaction', ts: 1_760_000_006_000, summary: 'Listed two files.' });
  await add({ kind: 'message', ts: 1_760_000_007_000, role: 'user', content: 'And now?' });
  return store;
}

describe('export', () => {
  it('an imported Claude Code timeline gives back the records of its branch, deep-equal, in order', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [TREE]);
    const records = jsonLines(TREE) as Obj[];
    const fork = exportTimeline(store, store.tipOf('claude/tree.fork-10aaf000')!, 'claude').records;
    expect(fork).toEqual([records[0], records[1], records[2], records[10], records[11]]);
    const main = exportTimeline(store, store.tipOf('claude/tree')!, 'claude').records;
    expect(main).toEqual(records.filter((r, i) => i !== 10 && i !== 11 && !r.isSidechain));
    // as of an older point: the prefix
    const at = [...store.history(store.tipOf('claude/tree')!)].find((c) => c.seq === 5)!.oid;
    expect(exportTimeline(store, at, 'claude').records).toEqual(main.slice(0, 5));
  });

  it('agentlog export writes stdout or --out, as of REV', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [TREE]);
    const r = await cli(store.dir, ['export', 'claude', 'claude/tree.fork-10aaf000']);
    expect(r.code).toBe(0);
    const records = jsonLines(TREE) as Obj[];
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([records[0], records[1], records[2], records[10], records[11]]);
    const out = path.join(tmpdir(), 'x.jsonl');
    const w = await cli(store.dir, ['export', 'claude', 'claude/tree@3', '--out', out]);
    expect(w.code).toBe(0);
    expect(jsonLines(out)).toEqual(records.slice(0, 3));
    const bad = await cli(store.dir, ['export', 'gemini', 'claude/tree']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/claude\|codex/);
  });

  it('a timeline made with agentlog exports as a valid Claude Code session', async () => {
    const store = await made();
    const out = exportTimeline(store, store.tipOf('native')!, 'claude', { sessionId: '11111111-2222-4333-8444-555555555555' }).records as Obj[];
    expect(out.map((r) => `${r.type}${r.subtype ? `/${r.subtype}` : ''}`)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'system/compact_boundary',
      'user',
      'user',
    ]);
    for (let i = 1; i < out.length; i++) {
      if (out[i].type === 'system') expect(out[i].logicalParentUuid).toBe(out[i - 1].uuid);
      else expect(out[i].parentUuid).toBe(out[i - 1].uuid);
    }
    expect(new Set(out.map((r) => r.sessionId))).toEqual(new Set(['11111111-2222-4333-8444-555555555555']));
    expect(out.every((r) => r.cwd === '/work/app' && typeof r.timestamp === 'string')).toBe(true);
    expect(out[1].message.content).toEqual([{ type: 'tool_use', id: 'toolu_ls', name: 'Bash', input: { command: 'ls' } }]); // unsigned thinking left out
    expect(out[1].message.model).toBe('claude-opus-4-1');
    // Claude Code reads it back: import it, same conversation.
    const file = path.join(tmpdir(), '11111111-2222-4333-8444-555555555555.jsonl');
    fs.writeFileSync(file, toJsonl(out));
    const back = freshStore();
    await importFiles(back, 'claude', [file]);
    expect(conversation(back, back.tipOf('claude/11111111-2222-4333-8444-555555555555')!)).toEqual(
      conversation(store, store.tipOf('native')!, { compactionAsUser: true }),
    );
    expect(back.readEvents(back.tipOf('claude/11111111-2222-4333-8444-555555555555')!).some((e) => e.event.kind === 'compaction')).toBe(true);
  });

  it('a timeline made with agentlog exports as a valid Codex rollout', async () => {
    const store = await made();
    const out = exportTimeline(store, store.tipOf('native')!, 'codex').records as Obj[];
    expect(out[0].type).toBe('session_meta');
    expect(out[0].payload.cwd).toBe('/work/app');
    expect(out[0].payload.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const items = out.filter((r) => r.type === 'response_item').map((r) => r.payload.type);
    expect(items).toEqual(['message', 'function_call', 'function_call_output', 'message', 'message']);
    const call = out.find((r) => r.payload.type === 'function_call')!.payload;
    expect(call).toEqual({ type: 'function_call', name: 'Bash', arguments: '{"command":"ls"}', call_id: 'toolu_ls' });
    expect(out.some((r) => r.type === 'compacted' && r.payload.message === 'Listed two files.')).toBe(true);
    const file = path.join(tmpdir(), `rollout-x-${out[0].payload.id}.jsonl`);
    fs.writeFileSync(file, toJsonl(out));
    const back = freshStore();
    await importFiles(back, 'codex', [file]);
    expect(conversation(back, back.tipOf(`codex/${out[0].payload.id}`)!)).toEqual(conversation(store, store.tipOf('native')!));
  });

  it('Claude Code → Codex and Codex → Claude Code carry messages, tool calls and results', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [TREE]);
    await importFiles(store, 'codex', [ROLLOUT]);
    for (const [name, to] of [
      ['claude/tree', 'codex'],
      ['codex/0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', 'claude'],
    ] as const) {
      const out = exportTimeline(store, store.tipOf(name)!, to).records as Obj[];
      const file = path.join(tmpdir(), to === 'claude' ? 'crossed.jsonl' : `rollout-${(out[0] as Obj).payload.id}.jsonl`);
      fs.writeFileSync(file, toJsonl(out));
      const back = freshStore();
      const s = await importFiles(back, to, [file]);
      expect(s.warnings).toEqual([]);
      const tip = [...back.timelines().values()][0];
      // the same conversation, except what the other agent has no place for
      const want = conversation(store, store.tipOf(name)!, { compactionAsUser: to === 'claude' });
      expect(conversation(back, tip)).toEqual(want);
      expect(want.some((l) => l.startsWith('call '))).toBe(true);
      expect(want.some((l) => l.startsWith('result '))).toBe(true);
    }
  });

  if (shared)
    describe('shared fixtures', () => {
      it('every imported Claude Code timeline exports each record deep-equal to its original line, in file order', async () => {
        const store = freshStore();
        const files = jsonlFiles(path.join(shared, 'claude-code')).filter((f) => !f.includes(`${path.sep}subagents${path.sep}`));
        await importFiles(store, 'claude', files);
        for (const file of files) {
          const stem = path.basename(file, '.jsonl');
          const records = jsonLines(file) as Obj[];
          // The main timeline: every record that is not a sidechain, in file order (no fixture has forks).
          const main = exportTimeline(store, store.tipOf(`claude/${stem}`)!, 'claude').records;
          expect(main, file).toEqual(records.filter((r) => r.isSidechain !== true));
          const subDir = path.join(path.dirname(file), stem, 'subagents');
          for (const sub of fs.existsSync(subDir) ? jsonlFiles(subDir) : []) {
            const agent = path.basename(sub, '.jsonl').replace(/^agent-/, '');
            expect(exportTimeline(store, store.tipOf(`claude/${stem}.agent-${agent}`)!, 'claude').records, sub).toEqual(jsonLines(sub));
          }
        }
      });
    });
});

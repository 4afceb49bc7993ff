import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import type { ImportWarning } from '../../core/formats/jsonl.js';
import { sharedFixtures } from '../helpers/shared.js';
import { cli } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { git } from '../helpers/tmp.js';

const ID = '0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
const ROLLOUT = path.join(OWN_FIXTURES, `codex/rollout-2025-10-02T08-00-00-${ID}.jsonl`);
const shared = sharedFixtures();

/** The records of a file, its malformed lines left out. */
function goodLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}

describe('import codex', () => {
  it('maps a rollout: session_meta, messages, tool calls and results, kept records, compaction; a bad line warned about', async () => {
    const store = freshStore();
    const warnings: ImportWarning[] = [];
    await importFiles(store, 'codex', [ROLLOUT], { warn: (w) => warnings.push(w) });
    expect(warnings.map((w) => [path.basename(w.file), w.line])).toEqual([[path.basename(ROLLOUT), 11]]);
    const events = store.readEvents(store.tipOf(`codex/${ID}`)!).map((e) => e.event as Obj);
    expect(events[0]).toMatchObject({
      kind: 'session',
      title: 'Fix the failing test in math.js',
      cwd: '/home/user/app',
      agent: { name: 'codex', version: '0.40.0' },
      origin: { format: 'codex', id: ID },
      ts: Date.parse('2025-10-02T08:00:00.000Z'),
    });
    const kinds = events.map((e) => (e.kind === 'message' ? `${e.role}:${e.content.map((b: Obj) => b.type).join('+')}` : e.kind));
    expect(kinds).toEqual([
      'session',
      'user:text',
      'user:text',
      'codex.event_msg',
      'codex.turn_context',
      'codex.event_msg',
      'assistant:thinking',
      'assistant:tool_use',
      'user:tool_result',
      'assistant:tool_use',
      'user:tool_result',
      'assistant:tool_use',
      'user:tool_result',
      'assistant:text',
      'codex.event_msg',
      'codex.event_msg',
      'compaction',
      'codex.future_record',
      'codex.event_msg',
    ]);
    expect(events[7].content[0]).toEqual({
      type: 'tool_use',
      id: 'call_abc1',
      name: 'shell',
      input: { command: ['bash', '-lc', 'cat math.js'], workdir: '/home/user/app' },
    });
    expect(events[8].content[0].tool_use_id).toBe('call_abc1');
    expect(events[9].content[0].input).toEqual({ __raw: 'not json at all' }); // not JSON: kept as it was
    expect(events[11].content[0]).toMatchObject({ name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } });
    expect(events[4].model).toBe('gpt-5-codex');
    expect(events[16].summary).toBe('The user asked to fix math.js; add was fixed.');
    expect(events[17].source.record).toEqual(goodLines(ROLLOUT)[17]); // unknown record kept whole
  });

  it('the user text Codex writes twice is stored once and shown once', async () => {
    const store = freshStore();
    await importFiles(store, 'codex', [ROLLOUT]);
    const stored = store.readEvents(store.tipOf(`codex/${ID}`)!);
    const dup = stored[3].event as Obj;
    expect(dup.kind).toBe('codex.event_msg'); // not a message: a transcript shows the prompt once
    expect(dup.type).toBe('user_message');
    expect(dup.source.sameAs).toBe(1);
    expect(dup.source.record.payload.message).toBeUndefined();
    expect(Buffer.from(stored[3].bytes).includes('Fix the failing test')).toBe(false);
    const agentMsg = stored[14].event as Obj;
    expect(agentMsg.source.sameAs).toBe(1);
    // and both come back in the export
    const out = exportTimeline(store, store.tipOf(`codex/${ID}`)!, 'codex').records;
    expect(out).toEqual(goodLines(ROLLOUT)); // all but the malformed line
  });

  it('importing twice, or into another store, makes the same commits and adds nothing', async () => {
    const a = freshStore();
    await importFiles(a, 'codex', [ROLLOUT]);
    const tip = a.tipOf(`codex/${ID}`);
    const again = await importFiles(a, 'codex', [ROLLOUT]);
    expect(again.events.appended).toBe(0);
    expect(again.timelines.unchanged).toBe(1);
    expect(a.tipOf(`codex/${ID}`)).toBe(tip);
    const b = freshStore();
    await importFiles(b, 'codex', [ROLLOUT]);
    expect(b.tipOf(`codex/${ID}`)).toBe(tip);
  });

  it('agentlog import codex prints the timelines and a summary', async () => {
    const store = freshStore();
    const r = await cli(store.dir, ['import', 'codex', ROLLOUT]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`codex/${ID}\n`);
    expect(r.err).toMatch(/imported 1 session\(s\): 1 timeline\(s\) created.*19 event\(s\) appended/);
    expect(r.err).toContain(`${ROLLOUT}:11: not valid JSON`);
  });

  if (shared)
    describe('shared fixtures (real Codex 0.40 rollouts)', () => {
      it('every rollout imports and exports back record for record; a second import adds nothing', async () => {
        const files = jsonlFiles(path.join(shared, 'codex'));
        const store = freshStore();
        const t0 = performance.now();
        const s = await importFiles(store, 'codex', files);
        const ms = performance.now() - t0;
        console.log(
          `[import-codex] ${files.length} files, ${s.events.appended} events in ${ms.toFixed(0)} ms (${((s.events.appended / ms) * 1000).toFixed(0)} events/s)`,
        );
        expect(s.warnings).toEqual([]);
        expect(s.timelines.created).toBe(files.length);
        for (const file of files) {
          const meta = jsonLines(file)[0] as Obj;
          const out = exportTimeline(store, store.tipOf(`codex/${meta.payload.id}`)!, 'codex').records;
          expect(out, file).toEqual(jsonLines(file));
        }
        // duplicates of the user's text are stored once
        const dups = [...store.timelines().values()].flatMap((tip) => store.readEvents(tip)).filter((e) => (e.event as Obj).type === 'user_message');
        expect(dups.length).toBeGreaterThan(0);
        expect(dups.every((e) => (e.event as Obj).source.sameAs !== undefined)).toBe(true);
        expect((await importFiles(store, 'codex', files)).events.appended).toBe(0);
        expect(git(store.dir, ['fsck', '--strict'])).toBe('');
      });
    });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import { cliOk } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

// A rollout written by the real Codex CLI 0.171.0 (test/fixtures/agents/README.md).
const REAL = jsonlFiles(path.join(OWN_FIXTURES, 'agents/codex-0.171.0'))[0];
const ID = '01a23876-68de-78c2-a760-1bb3076db507';

describe('Codex 0.16x records', () => {
  it('a real 0.171.0 rollout: titled by the prompt of its item_completed, the annotated output_text is assistant text, exported back equal', async () => {
    const store = freshStore();
    const s = await importFiles(store, 'codex', [REAL]);
    expect(s.warnings).toEqual([]);
    const tip = store.tipOf(`codex/${ID}`)!;
    const events = store.readEvents(tip).map((e) => e.event as Obj);
    expect(events[0]).toMatchObject({ kind: 'session', title: 'list the files here', agent: { name: 'codex', version: '0.171.0' } });
    const answer = events.filter((e) => e.kind === 'message' && e.role === 'assistant').at(-1)!;
    expect(answer.content).toEqual([{ type: 'text', text: 'The folder holds one file.', annotations: [] }]);
    expect(exportTimeline(store, tip, 'codex').records).toEqual(jsonLines(REAL));
    expect((await importFiles(store, 'codex', [REAL])).events.appended).toBe(0);
  });

  it('show prints the assistant text, not [output_text], and folds the UI records', async () => {
    const store = freshStore();
    await cliOk(store.dir, ['import', 'codex', REAL]);
    const { out } = await cliOk(store.dir, ['show', `codex/${ID}`, '--records']);
    expect(out).toContain('═══ list the files here (codex, /tmp/formats-gen/proj)');
    expect(out).toMatch(/── assistant {2}#\d+ \S+\n {2}The folder holds one file\.\n/);
    expect(out).not.toContain('[output_text]');
    expect(out).not.toContain('── codex.');
    expect(out).toMatch(/── 3 records: token_usage_record, token_count, task_complete {2}#\d+/);
  });

  it('output_text with citations keeps them and round-trips; an item of an unknown type stays as it is', async () => {
    const lines = jsonLines(REAL) as Obj[];
    const i = lines.findIndex((l) => l.type === 'response_item' && l.payload.role === 'assistant');
    const cited = structuredClone(lines[i]);
    cited.payload.content = [
      { type: 'output_text', text: 'See the docs.', annotations: [{ type: 'url_citation', url: 'https://example.com', start_index: 4, end_index: 8 }] },
      { type: 'output_refusal', refusal: 'no' },
    ];
    const all = [...lines.slice(0, i + 1), cited, ...lines.slice(i + 1)];
    const file = path.join(tmpdir('codex-records-'), path.basename(REAL));
    fs.writeFileSync(file, `${all.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const store = freshStore();
    await importFiles(store, 'codex', [file]);
    const tip = store.tipOf(`codex/${ID}`)!;
    const event = store.readEvents(tip)[i + 1].event as Obj;
    expect(event.content[0]).toMatchObject({ type: 'text', text: 'See the docs.' });
    expect(event.content[1]).toEqual({ type: 'output_refusal', refusal: 'no' });
    expect(exportTimeline(store, tip, 'codex').records).toEqual(all);
  });

  it('every rollout item type 0.171.0 writes, and one of a later version, round-trips and shows folded', async () => {
    const lines = jsonLines(REAL) as Obj[];
    const ts = lines[3].timestamp;
    // The RolloutItem tags the 0.171.0 binary knows, with a payload of the shape it writes.
    const extra: Obj[] = [
      { timestamp: ts, type: 'dynamic_tools_updated', payload: { tools: [] } },
      { timestamp: ts, type: 'inter_agent_communication', payload: { from: 'a', to: 'b', message: 'hi' } },
      { timestamp: ts, type: 'security_risk_score', payload: { score: 0.1 } },
      { timestamp: ts, type: 'realtime_item', payload: { item: { type: 'audio', id: 'x' } } },
      { timestamp: ts, type: 'compacted', payload: { message: 'Listed files.', replacement_history: [], window_number: 2, first_window_id: 'w1' } },
      { timestamp: ts, type: 'a_rollout_item_of_0_180', payload: { anything: [1, 2.5, null] } },
    ];
    const all = [...lines.slice(0, 4), ...extra, ...lines.slice(4)];
    const file = path.join(tmpdir('codex-records-'), path.basename(REAL));
    fs.writeFileSync(file, `${all.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const store = freshStore();
    const s = await importFiles(store, 'codex', [file]);
    expect(s.warnings).toEqual([]);
    const tip = store.tipOf(`codex/${ID}`)!;
    expect(
      store
        .readEvents(tip)
        .map((e) => e.event.kind)
        .slice(4, 10),
    ).toEqual([
      'codex.dynamic_tools_updated',
      'codex.inter_agent_communication',
      'codex.security_risk_score',
      'codex.realtime_item',
      'compaction',
      'codex.a_rollout_item_of_0_180',
    ]);
    expect(exportTimeline(store, tip, 'codex').records).toEqual(all);
    const { out } = await cliOk(store.dir, ['show', `codex/${ID}`, '--records']);
    expect(out).toMatch(/── 4 records: dynamic_tools_updated, inter_agent_communication, security.* {2}#4 \S+ – #7 /);
    expect(out).not.toContain('── codex.');
  });
});

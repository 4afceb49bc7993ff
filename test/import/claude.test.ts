import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import type { ImportWarning } from '../../core/formats/jsonl.js';
import { moveBeforeFirstPublish } from '../helpers/race.js';
import { sharedFixtures } from '../helpers/shared.js';
import { cli } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { git, tmpdir } from '../helpers/tmp.js';

const TREE = path.join(OWN_FIXTURES, 'claude-code/tree.jsonl');
const BAD = path.join(OWN_FIXTURES, 'claude-code/bad.jsonl');
const shared = sharedFixtures();

const uuidsOf = (records: Obj[]) => records.map((r) => r.uuid ?? r.type);

/** A store that imported grow.jsonl (TREE's first 6 lines), the file then grown by the rest; `before`: the tip after that first import. */
async function grownImport(): Promise<{ store: Store; file: string; before: string }> {
  const file = path.join(tmpdir(), 'grow.jsonl');
  const lines = fs.readFileSync(TREE, 'utf8').split('\n').filter(Boolean);
  fs.writeFileSync(file, `${lines.slice(0, 6).join('\n')}\n`);
  const store = freshStore();
  await importFiles(store, 'claude', [file]);
  const before = store.tipOf('claude/grow')!;
  fs.appendFileSync(file, `${lines.slice(6).join('\n')}\n`);
  return { store, file, before };
}

describe('import claude', () => {
  it('maps a record tree: a fork sharing its prefix, sidechain and subagents as linked sessions, compaction, other records kept', async () => {
    const store = freshStore();
    const s = await importFiles(store, 'claude', [TREE]);
    expect(s.warnings).toEqual([]);
    const names = [...store.timelines().keys()];
    expect(names.sort()).toEqual(
      ['claude/tree', 'claude/tree.fork-10aaf000', 'claude/tree.side-14aaf000', 'claude/tree.agent-a7f3c21', 'claude/tree.agent-acompact-1a2b3c'].sort(),
    );
    const records = jsonLines(TREE) as Obj[];
    const main = store.readEvents(store.tipOf('claude/tree')!).map((e) => e.event as Obj);
    const fork = store.readEvents(store.tipOf('claude/tree.fork-10aaf000')!).map((e) => e.event as Obj);

    // The fork leaves after the first answer: it shares genesis, the snapshot, prompt and answer.
    const forkUuids = new Set([records[10].uuid, records[11].uuid]);
    const side = records.filter((r) => r.isSidechain);
    const mainExpected = records.filter((r) => !forkUuids.has(r.uuid) && !r.isSidechain);
    expect(uuidsOf(main.slice(1).map((e) => e.source.record))).toEqual(uuidsOf(mainExpected));
    expect(uuidsOf(fork.slice(1).map((e) => e.source.record))).toEqual(uuidsOf([records[0], records[1], records[2], records[10], records[11]]));
    const forkCommits = [...store.history(store.tipOf('claude/tree.fork-10aaf000')!)].map((c) => c.oid);
    const mainCommits = [...store.history(store.tipOf('claude/tree')!)].map((c) => c.oid).reverse();
    expect(forkCommits.reverse().slice(0, 4)).toEqual(mainCommits.slice(0, 4)); // shared, not copied
    expect(git(store.dir, ['merge-base', 'claude/tree', 'claude/tree.fork-10aaf000']).trim()).toBe(mainCommits[3]);

    // Kinds: messages with blocks, parallel tool results kept in the one timeline, compaction, others.
    const kinds = main.map((e) => e.kind);
    expect(kinds[0]).toBe('session');
    expect(main[0]).toMatchObject({ title: 'Write a haiku about git', cwd: '/home/user/haiku', agent: { name: 'claude-code', version: '2.0.14' } });
    expect(main[0].origin).toEqual({ format: 'claude-code', id: '7d0c1f2e-0000-4000-8000-000000000001', file: 'tree.jsonl' });
    expect(kinds).toContain('compaction');
    expect(main.find((e) => e.kind === 'compaction')).toMatchObject({ trigger: 'manual', tokens: 4242 });
    expect(kinds.filter((k) => k === 'claude.summary')).toHaveLength(1);
    expect(kinds).toContain('claude.custom-title');
    expect(kinds).toContain('claude.file-history-snapshot');
    expect(kinds).toContain('claude.queue-operation');
    expect(kinds).toContain('claude.progress');
    const results = main.filter((e) => e.kind === 'message' && e.content.some((b: Obj) => b.type === 'tool_result'));
    expect(results.map((e) => e.content[0].tool_use_id)).toEqual(['toolu_read1', 'toolu_read2', 'toolu_task1']);
    const image = main.flatMap((e) => (e.kind === 'message' ? e.content : [])).find((b: Obj) => b.type === 'image');
    expect(image.media_type).toBe('image/png');
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(image.data).subarray(1, 4).toString()).toBe('PNG');
    const thinking = main[3].content[0];
    expect(thinking).toEqual({ type: 'thinking', thinking: 'Five, seven, five.', signature: 'sig-abc' });
    // Every imported event's ts is its record's, not the clock's.
    expect(main[2].ts).toBe(Date.parse(records[1].timestamp));

    // Sidechain and subagents: their own sessions, linked to the timeline and call that started them.
    const sideEvents = store.readEvents(store.tipOf('claude/tree.side-14aaf000')!).map((e) => e.event as Obj);
    expect(sideEvents[0].parent).toEqual({ timeline: 'claude/tree', tool_use_id: 'toolu_task1' });
    expect(uuidsOf(sideEvents.slice(1).map((e) => e.source.record))).toEqual(uuidsOf(side));
    const taskResult = main.find((e) => e.source?.record?.uuid === records[16].uuid)!;
    expect(taskResult.subagent).toEqual({ timeline: 'claude/tree.side-14aaf000' }); // linked from the event that started it
    expect(main.filter((e) => e.subagent)).toHaveLength(1);
    const agent = store.readEvents(store.tipOf('claude/tree.agent-acompact-1a2b3c')!).map((e) => e.event as Obj);
    expect(agent[0].parent).toEqual({ timeline: 'claude/tree', agentId: 'acompact-1a2b3c', record: records[16].uuid });
    expect(agent[0].origin.file).toBe('tree/subagents/agent-acompact-1a2b3c.jsonl');

    expect(git(store.dir, ['fsck', '--strict'])).toBe('');
  });

  it('stores a message text once: the source record leaves out what the event carries', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [TREE]);
    const events = store.readEvents(store.tipOf('claude/tree.fork-10aaf000')!);
    const answer = events[events.length - 1];
    expect((answer.event as Obj).source.record.message.content).toBeUndefined();
    expect((answer.event as Obj).source.rebuild).toBe('message.content');
    const text = Buffer.from('Commits fall like autumn leaves, one by one, into history');
    const bytes = Buffer.from(answer.bytes);
    expect(bytes.indexOf(text)).toBeGreaterThan(-1);
    expect(bytes.indexOf(text, bytes.indexOf(text) + 1)).toBe(-1);
    // and export gives the record back whole
    const exported = exportTimeline(store, store.tipOf('claude/tree.fork-10aaf000')!, 'claude').records;
    expect(exported[exported.length - 1]).toEqual(jsonLines(TREE)[11]);
  });

  it('a subagent file imported alone makes the same timeline as when it comes with its main file', async () => {
    const alone = freshStore();
    const sub = path.join(path.dirname(TREE), 'tree/subagents/agent-acompact-1a2b3c.jsonl');
    const s = await importFiles(alone, 'claude', [sub]);
    expect(s.warnings).toEqual([]); // its parent is in the main file beside it
    expect([...alone.timelines().keys()]).toEqual(['claude/tree.agent-acompact-1a2b3c']);
    const both = freshStore();
    await importFiles(both, 'claude', [TREE]);
    expect(alone.tipOf('claude/tree.agent-acompact-1a2b3c')).toBe(both.tipOf('claude/tree.agent-acompact-1a2b3c'));
  });

  it('importing twice, or into another store, makes the same commits and adds nothing', async () => {
    const a = freshStore();
    const first = await importFiles(a, 'claude', [TREE]);
    const tips = new Map(a.timelines());
    const again = await importFiles(a, 'claude', [TREE]);
    expect(again.events.appended).toBe(0);
    expect(again.events.present).toBe(first.events.appended + 4 /* the fork's shared prefix */);
    expect(again.timelines.unchanged).toBe(5);
    expect(new Map(a.timelines())).toEqual(tips);
    const b = freshStore();
    await importFiles(b, 'claude', [TREE]);
    expect(new Map(b.timelines())).toEqual(tips);
  });

  it('a file that grew is extended, not re-imported', async () => {
    const { store, file, before } = await grownImport();
    const s = await importFiles(store, 'claude', [file]);
    expect(s.timelines.extended).toBe(1);
    const history = [...store.history(store.tipOf('claude/grow')!)].map((c) => c.oid);
    expect(history).toContain(before);
    const whole = freshStore();
    await importFiles(whole, 'claude', [file]);
    expect(whole.tipOf('claude/grow')).toBe(store.tipOf('claude/grow'));
  });

  it('two files whose names differ only in characters a timeline name cannot hold stay two timelines', async () => {
    const dir = tmpdir();
    const files = ['a b.jsonl', 'a..b.jsonl', 'plain-name_1.jsonl'].map((n) => path.join(dir, n));
    for (const f of files) fs.copyFileSync(TREE, f);
    const store = freshStore();
    const first = await importFiles(store, 'claude', files);
    expect(first.warnings).toEqual([]);
    const mains = [...store.timelines().keys()].filter((n) => !n.includes('.'));
    expect(mains).toHaveLength(3);
    expect(mains).toContain('claude/plain-name_1');
    expect(mains.filter((n) => /^claude\/a-b-[0-9a-f]{8}$/.test(n))).toHaveLength(2);
    const again = await importFiles(store, 'claude', files);
    expect(again.events.appended).toBe(0);
    expect(again.timelines.diverged).toBe(0);
  });

  it('when another writer moves a timeline during an import, none of the import’s events go on top of its event', async () => {
    const { store, file, before } = await grownImport();
    // The import's first publish finds the branch moved by another writer (a real append).
    const other = Store.open(store.dir);
    const race = moveBeforeFirstPublish(store, 'refs/heads/claude/grow', () => other.append('claude/grow', { kind: 'note', text: 'written meanwhile' }));
    const warnings: ImportWarning[] = [];
    const s = await importFiles(store, 'claude', [file], { warn: (w) => warnings.push(w) });
    expect(race.fired).toBe(true);
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/timeline claude\/grow moved while importing; stopped before seq/));
    expect(s.timelines.extended).toBe(0);
    const events = store.readEvents(store.tipOf('claude/grow')!);
    expect(events[events.length - 1].event.text).toBe('written meanwhile');
    expect(events[events.length - 2].cid.toString()).toBe(store.commitInfo(before).cid!.toString());
  });

  it('bad input: imports what is sound and warns with file and line; never a half-written commit', async () => {
    const store = freshStore();
    const warnings: ImportWarning[] = [];
    const s = await importFiles(store, 'claude', [BAD], { maxLineBytes: 4096, warn: (w) => warnings.push(w) });
    const at = warnings.map((w) => `${path.basename(w.file)}:${w.line}`);
    expect(at).toEqual(expect.arrayContaining(['bad.jsonl:2', 'bad.jsonl:3', 'bad.jsonl:5', 'bad.jsonl:6', 'bad.jsonl:8']));
    expect(warnings.find((w) => w.line === 2)!.message).toMatch(/not valid JSON/);
    expect(warnings.find((w) => w.line === 6)!.message).toMatch(/over the limit/);
    expect(warnings.find((w) => w.line === 8)!.message).toMatch(/truncated/);
    expect(warnings.find((w) => w.line === 5)!.message).toMatch(/parent 99999999-9999-4999-8999-999999999999/);
    expect(s.warnings).toHaveLength(warnings.length);
    const events = store.readEvents(store.tipOf('claude/bad')!).map((e) => e.event as Obj);
    const texts = events.slice(1).map((e) => e.content[0].text);
    expect(texts).toEqual(['First prompt', 'An answer', 'My parent is elsewhere', 'Still here']);
    expect(git(store.dir, ['fsck', '--strict'])).toBe('');
  });

  it('a value outside the IPLD data model (lone surrogate, integer beyond 64 bits) skips its record with a warning', async () => {
    const file = path.join(tmpdir(), 'odd.jsonl');
    const lines = fs.readFileSync(TREE, 'utf8').split('\n').filter(Boolean).slice(0, 4);
    lines[2] = lines[2].replace('Commits fall like leaves', 'half an emoji \\ud83d');
    lines[3] = lines[3].replace('"sessionId"', '"big":1e20,"sessionId"');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const store = freshStore();
    const s = await importFiles(store, 'claude', [file]);
    expect(s.warnings.map((w) => [w.line, w.message])).toEqual([
      [3, 'cannot be stored: a string has a lone UTF-16 surrogate; skipped'],
      [4, 'cannot be stored: the integer 100000000000000000000 does not fit in 64 bits; skipped'],
    ]);
    expect(store.readEvents(store.tipOf('claude/odd')!).map((e) => e.event.kind)).toEqual(['session', 'claude.file-history-snapshot', 'message']);
  });

  it('a file over 2 GiB (it cannot be read whole) is a warning naming it, and the other files import', async () => {
    const dir = tmpdir();
    const huge = path.join(dir, 'huge.jsonl');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 3 * 1024 ** 3); // sparse: no disk used
    const store = freshStore();
    const r = await cli(store.dir, ['import', 'claude', huge, TREE]);
    expect(r.err).not.toContain('internal error');
    expect(r.err).toMatch(/huge\.jsonl: cannot read: .*2 GiB/);
    expect(r.code).toBe(0);
    expect(store.tipOf('claude/tree')).toBeDefined();
  });

  it('agentlog import claude: summary, --json, forks nested in ls', async () => {
    const store = freshStore();
    const r = await cli(store.dir, ['import', 'claude', TREE, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ sessions: 1, timelines: { created: 5 }, events: { present: 0 } });
    const ls = await cli(store.dir, ['ls', '--json']);
    const sessions = JSON.parse(ls.out) as Obj[];
    const tree = sessions.find((s) => s.timelines.some((t: Obj) => t.name === 'claude/tree'))!;
    const mainInfo = tree.timelines.find((t: Obj) => t.name === 'claude/tree');
    expect(mainInfo.forks.map((f: Obj) => f.name)).toEqual(['claude/tree.fork-10aaf000']);
    expect(mainInfo.forks[0].forkSeq).toBe(3);
    const piped = await cli(store.dir, ['import', 'claude', BAD]);
    expect(piped.err).not.toContain('\r'); // no progress bar when stderr is not a terminal
    const tty = await cli(freshStore().dir, ['import', 'claude', TREE], { tty: true });
    expect(tty.err).toMatch(/\r\x1b\[Kimporting \[=+\] 100% 1\/1 files, [\d.]+\/[\d.]+ MB/);
    // Files unchanged since they were imported are not read again (issue 20): nothing to say about them.
    const text = await cli(store.dir, ['import', 'claude', path.dirname(TREE)]);
    expect(text.code).toBe(0);
    expect(text.err).toMatch(
      /imported 0 session\(s\): 0 timeline\(s\) created, 0 extended, 0 unchanged; 0 event\(s\) appended.*; 2 file\(s\) unchanged since the last import, not read/,
    );
    expect(text.err).not.toMatch(/bad\.jsonl:2/);
    // A file read again (here: its state gone) is imported whole, which adds nothing and warns again.
    fs.rmSync(path.join(store.gitDir, 'agentlog', 'capture'), { recursive: true });
    const again = await cli(store.dir, ['import', 'claude', path.dirname(TREE)]);
    expect(again.err).toMatch(/imported 2 session\(s\): 0 timeline\(s\) created, 0 extended, 7 unchanged; 0 event\(s\) appended/);
    expect(again.err).toMatch(/bad\.jsonl:2: not valid JSON/);
  });

  it('with no path: the sessions whose cwd lies in the project holding the store', async () => {
    const home = tmpdir();
    const project = path.join(home, 'work', 'haiku');
    const other = path.join(home, 'work', 'other');
    const put = (cwd: string, id: string) => {
      const dir = path.join(home, '.claude', 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'));
      fs.mkdirSync(dir, { recursive: true });
      const text = fs.readFileSync(TREE, 'utf8').replaceAll('/home/user/haiku', cwd);
      fs.writeFileSync(path.join(dir, `${id}.jsonl`), text);
    };
    put(path.join(project, 'sub'), 'inside');
    put(other, 'outside');
    fs.mkdirSync(project, { recursive: true });
    expect((await cli(project, ['init'])).code).toBe(0);
    const storeDir = fs.existsSync(path.join(project, '.agentlog')) ? path.join(project, '.agentlog') : project;
    const r = await cli(project, ['import', 'claude', '--json', '--store', storeDir], { env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).timelines.names).toEqual(['claude/inside', 'claude/inside.fork-10aaf000', 'claude/inside.side-14aaf000']);
    const all = await cli(project, ['import', 'claude', '--all', '--json', '--store', storeDir], { env: { HOME: home } });
    expect(JSON.parse(all.out).timelines.names).toContain('claude/outside');
  });

  if (shared)
    describe('shared fixtures (real Claude Code 1.0–2.1 sessions)', () => {
      const dir = path.join(shared, 'claude-code');
      const files = jsonlFiles(dir).filter((f) => !f.includes(`${path.sep}subagents${path.sep}`));

      it('every file imports; its timelines give back every record of the files exactly once; a second import adds nothing', async () => {
        const store = freshStore();
        const t0 = performance.now();
        const s = await importFiles(store, 'claude', files);
        const ms = performance.now() - t0;
        console.log(
          `[import-claude] ${files.length} files, ${s.events.appended} events in ${ms.toFixed(0)} ms (${((s.events.appended / ms) * 1000).toFixed(0)} events/s)`,
        );
        expect(s.sessions).toBe(files.length);
        // No file warns: the one fixture whose first record's parent lives in another file
        // (agentcmd's tool-result-image.jsonl, after user-image.jsonl) is a fork of that file, not a gap.
        expect(s.warnings).toEqual([]);
        for (const file of files) {
          const stem = path.basename(file, '.jsonl');
          const mine = [...store.timelines()].filter(([n]) => n === `claude/${stem}` || n.startsWith(`claude/${stem}.`));
          const exported = mine.flatMap(([, tip]) => exportTimeline(store, tip, 'claude').records);
          const subDir = path.join(path.dirname(file), stem, 'subagents');
          const originals = [file, ...(fs.existsSync(subDir) ? jsonlFiles(subDir) : [])].flatMap((f) => jsonLines(f));
          // No fixture holds a real fork (checked: each timeline is its own session), so the timelines
          // partition the records: sort both sides by their JSON to compare as multisets.
          const key = (r: unknown) =>
            JSON.stringify(r, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
          expect(exported.map(key).sort(), file).toEqual(originals.map(key).sort());
        }
        // Subagents and sidechains are linked from the events that started them, and back.
        const links = [...store.timelines().values()]
          .flatMap((tip) => store.readEvents(tip))
          .flatMap((e) => ((e.event as Obj).subagent ? [(e.event as Obj).subagent.timeline] : []));
        expect(links).toContain('claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04.agent-aac57f5');
        expect(links.filter((l) => l.includes('.side-')).length).toBe([...store.timelines().keys()].filter((n) => n.includes('.side-')).length);
        // A link names the timeline even when the subagent's file was not captured (agentcmd's fixtures).
        for (const l of links.filter((x) => x.includes('.side-') || x.includes('ae4a77f8'))) expect(store.tipOf(l), l).toBeDefined();
        const again = await importFiles(store, 'claude', files);
        expect(again.events.appended).toBe(0);
        expect(git(store.dir, ['fsck', '--strict'])).toBe('');
      });
    });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFile } from '../../core/capture/captureFile.js';
import { exportTimeline } from '../../core/export/index.js';
import { runHook } from '../../core/capture/hook.js';
import { follow } from '../../core/import/follow.js';
import { importFiles } from '../../core/import/index.js';
import type { ImportWarning } from '../../core/formats/jsonl.js';
import { Store } from '../../core/store/store.js';
import { cliOk } from '../helpers/cli.js';
import { checkpoints, claudeMachine, filesOf, ID, NAME, type Rec } from '../helpers/claudeFileHistory.js';
import { sharedFixtures } from '../helpers/shared.js';
import { git, tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

/**
 * A store that imported a Claude Code session before agentlog read its file history holds each
 * `file-history-snapshot` record as a plain `claude.file-history-snapshot` event. The same events are
 * what an import plans today when the session's backups are not there (the record mapping is the same:
 * checked against the CLI of f3bcbff^, the last commit without file history, on the real session
 * below), so such a store is made here by importing with the backups folder moved away. Imported
 * again with the backups there and new records, the timeline is extended, never forked: the stored
 * events stay as they are (the plain snapshots included: an acknowledged event is never rewritten),
 * the new records are appended, the new snapshot as a checkpoint, and the import says how many
 * snapshots stay without one.
 */

const shared = sharedFixtures();

function records(file: string): Rec[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

function write(file: string, recs: Rec[]): void {
  fs.writeFileSync(file, recs.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Where the record of the prompt `text` is. */
function promptAt(recs: Rec[], text: string): number {
  return recs.findIndex((r) => (r.message as Rec | undefined)?.content === text);
}

/** The timelines under refs/heads/claude/ as the git CLI lists them. */
function claudeRefs(store: Store): string[] {
  return git(store.gitDir, ['for-each-ref', '--format=%(refname)', 'refs/heads/claude/']).split('\n').filter(Boolean);
}

function cids(store: Store, name: string): string[] {
  return store.readEvents(store.tipOf(name)!).map((e) => e.cid.toString());
}

/** The git CLI's answer to whether `older` is on the first-parent chain of `newer`. */
function onChain(store: Store, older: string, newer: string): boolean {
  return git(store.gitDir, ['rev-list', '--first-parent', newer]).split('\n').includes(older);
}

describe('import claude: a session imported before file history, imported again with its backups', () => {
  it('extends the one timeline: the stored events as they were (same CIDs), the new records appended, the new snapshot a checkpoint; the import says which snapshots stay plain', async () => {
    const m = claudeMachine();
    const all = records(m.file);
    const third = promptAt(all, 'third edit');
    // The old store: the first two prompts, imported with no backups to read.
    write(m.file, all.slice(0, third));
    fs.renameSync(m.history, `${m.history}.away`);
    await cliOk(m.project, ['init'], { env: m.env });
    await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    const store = Store.open(path.join(m.project, '.agentlog'));
    const oldTip = store.tipOf(NAME)!;
    const before = cids(store, NAME);
    expect(checkpoints(store)).toEqual([]);
    const plainSeq = store.readEvents(oldTip).findIndex((e) => e.event.kind === 'claude.file-history-snapshot' && e.event.seq > 2);

    // The backups are here now, and the session went on: the third prompt, its snapshot and its turn.
    fs.renameSync(`${m.history}.away`, m.history);
    write(m.file, all);
    const said = await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    expect(said.err).toContain(
      `0 timeline(s) created, 1 extended, 0 unchanged; ${all.length - third} event(s) appended, ${before.length} already present; 0 record(s) skipped or warned about`,
    );
    expect(said.err).not.toContain('left as they were');
    // Only the third prompt's snapshot became a checkpoint (a.txt's backup); the second's stays plain, and is said to.
    expect(said.err).toContain(
      "Claude Code's file history: 1 checkpoint(s) holding 1 file backup(s); 1 snapshot(s) imported before their backups were here stay as they were",
    );

    expect(claudeRefs(store)).toEqual([`refs/heads/${NAME}`]);
    const tip = store.tipOf(NAME)!;
    expect(onChain(store, oldTip, tip)).toBe(true);
    const after = cids(store, NAME);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(all.length + 1);
    expect(store.readEvents(tip)[plainSeq].event.kind).toBe('claude.file-history-snapshot');
    const cps = checkpoints(store);
    expect(cps.map((c) => c.seq)).toEqual([1 + third + 1]);
    expect(filesOf(store, cps[0].event.tree as string)).toEqual({ 'a.txt': 'alpha3\n' });
    expect(cps[0].event.absent).toEqual(['sub/b.txt']);
    git(store.gitDir, ['fsck', '--strict', '--no-progress']);

    // Importing again adds nothing, and counts the same.
    const again = await importFiles(store, 'claude', [m.file], { env: m.env });
    expect(again.events.appended).toBe(0);
    expect(again.fileHistory).toEqual({ checkpoints: 1, files: 1, unavailable: 0, outside: 0, heldPlain: 1 });
    expect(store.tipOf(NAME)).toBe(tip);
  });

  it('a capture hook on such a timeline: the file taken whole once, then only the lines it gains, the new snapshot a checkpoint', async () => {
    const m = claudeMachine();
    const all = records(m.file);
    const second = promptAt(all, 'second edit');
    const third = promptAt(all, 'third edit');
    // The old store ends with the second prompt's snapshot, held plain (no backups were read).
    write(m.file, all.slice(0, second + 2));
    fs.renameSync(m.history, `${m.history}.away`);
    const store = Store.init(tmpdir('agentlog-fh-')).store;
    await importFiles(store, 'claude', [m.file], { env: m.env });
    const oldTip = store.tipOf(NAME)!;
    const before = cids(store, NAME);
    fs.renameSync(`${m.history}.away`, m.history);

    // The first capture with the backups here: the file whole; nothing new, nothing forked.
    const first = await captureFile(store, 'claude', m.file, () => {}, { env: m.env });
    expect(first).toMatchObject({ mode: 'full', appended: 0 });
    expect(first.summary?.timelines.diverged).toBe(0);
    expect(store.tipOf(NAME)).toBe(oldTip);

    // The second turn: the hook reads only the lines the file gained (the state holds the timeline).
    const log: string[] = [];
    const hook = () =>
      runHook(store, 'claude', JSON.stringify({ session_id: ID, transcript_path: m.file, hook_event_name: 'Stop' }), m.env, (l) => log.push(l));
    write(m.file, all.slice(0, third));
    const [turn2] = await hook();
    expect(turn2).toMatchObject({ mode: 'incremental', appended: third - second - 2 });
    // The third prompt names backups: imported whole, its snapshot a checkpoint.
    write(m.file, all);
    const [turn3] = await hook();
    expect(turn3).toMatchObject({ mode: 'full', appended: all.length - third });
    expect(log.filter((l) => l.startsWith('error') || l.startsWith('warning'))).toEqual([]);

    expect(claudeRefs(store)).toEqual([`refs/heads/${NAME}`]);
    expect(onChain(store, oldTip, store.tipOf(NAME)!)).toBe(true);
    expect(cids(store, NAME).slice(0, before.length)).toEqual(before);
    expect(cids(store, NAME)).toHaveLength(all.length + 1);
    const cps = checkpoints(store);
    expect(cps.map((c) => c.seq)).toEqual([1 + third + 1]);
    expect(filesOf(store, cps[0].event.tree as string)).toEqual({ 'a.txt': 'alpha3\n' });
    // The stored plain snapshot stands, and the next capture of an unchanged file does nothing.
    expect(store.readEvents(store.tipOf(NAME)!)[second + 2].event.kind).toBe('claude.file-history-snapshot');
    expect((await hook())[0].mode).toBe('unchanged');
  });

  it('import --follow on such a timeline: the lines the file gains appended, the new snapshot a checkpoint', async () => {
    const m = claudeMachine();
    const all = records(m.file);
    const third = promptAt(all, 'third edit');
    write(m.file, all.slice(0, third));
    fs.renameSync(m.history, `${m.history}.away`);
    const store = Store.init(tmpdir('agentlog-fh-')).store;
    await importFiles(store, 'claude', [m.file], { env: m.env });
    const before = cids(store, NAME);
    fs.renameSync(`${m.history}.away`, m.history);
    const controller = new AbortController();
    const warnings: ImportWarning[] = [];
    const running = follow(store, 'claude', [m.file], { interval: 25, signal: controller.signal, warn: (w) => warnings.push(w), env: m.env });
    fs.appendFileSync(
      m.file,
      all
        .slice(third)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    await until(() => store.commitInfo(store.tipOf(NAME)!).seq === all.length);
    controller.abort();
    await running;
    expect(warnings).toEqual([]);
    expect(claudeRefs(store)).toEqual([`refs/heads/${NAME}`]);
    expect(cids(store, NAME).slice(0, before.length)).toEqual(before);
    expect(checkpoints(store).map((c) => c.seq)).toEqual([1 + third + 1]);
  });

  it('a copy continued under a new id (agentlog resume), its snapshots plain there for want of backups under that id: a fork holding only its own records', async () => {
    const m = claudeMachine();
    const store = Store.init(tmpdir('agentlog-fh-')).store;
    await importFiles(store, 'claude', [m.file], { env: m.env });
    expect(checkpoints(store)).toHaveLength(2);
    // What `agentlog resume` hands Claude Code: the timeline exported under a new id (file-history
    // records and all), then continued there; Claude Code has no backups under the new id.
    const F = '22222222-2222-4222-8222-222222222222';
    const copy = exportTimeline(store, store.tipOf(NAME)!, 'claude', { sessionId: F }).records as Rec[];
    const last = copy.findLast((r) => typeof r.uuid === 'string')!.uuid as string;
    const base = { isSidechain: false, userType: 'external', cwd: m.project, sessionId: F, version: '2.1.332' };
    const own: Rec[] = [
      {
        parentUuid: last,
        ...base,
        type: 'user',
        message: { role: 'user', content: 'fourth edit' },
        uuid: 'f0000000-0000-4000-8000-000000000001',
        timestamp: '2026-12-03T11:00:00.000Z',
      },
      {
        parentUuid: 'f0000000-0000-4000-8000-000000000001',
        ...base,
        type: 'assistant',
        message: { role: 'assistant', content: [{ type: 'text', text: 'done four' }] },
        uuid: 'f0000000-0000-4000-8000-000000000002',
        timestamp: '2026-12-03T11:00:01.000Z',
      },
    ];
    const file = path.join(path.dirname(m.file), `${F}.jsonl`);
    write(file, [...copy, ...own]);
    const s = await importFiles(store, 'claude', [file], { env: m.env });
    expect(s.warnings).toEqual([]);
    expect(s.events.appended).toBe(own.length);
    expect(store.forkRecords()[`claude/${F}`]).toBe(NAME);
    const fork = cids(store, `claude/${F}`);
    expect(fork.slice(0, -own.length)).toEqual(cids(store, NAME));
    expect(claudeRefs(store)).toEqual([`refs/heads/claude/${F}`, `refs/heads/${NAME}`].sort());
  });

  if (shared)
    it('a real 2.1 session (2,385 records, 26 snapshots, a subagents/ folder) cut where two checkpoints held plain come before a new one', async () => {
      const source = path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl');
      const lines = fs.readFileSync(source, 'utf8').split('\n').filter(Boolean);
      const recs = lines.map((l) => JSON.parse(l) as Rec);
      const sid = recs.find((r) => typeof r.sessionId === 'string')!.sessionId as string;
      const config = path.join(tmpdir('claude-real-fh-'), '.claude');
      const dir = path.join(config, 'projects', 'p');
      fs.mkdirSync(dir, { recursive: true });
      fs.cpSync(source.replace(/\.jsonl$/, ''), path.join(dir, sid), { recursive: true });
      const file = path.join(dir, `${sid}.jsonl`);
      // The snapshots that name backups (not updates) are records 1478, 1479 and 1489: the old store holds the first two.
      const full = recs.flatMap((r, i) =>
        (r.snapshot as Rec | undefined) && r.isSnapshotUpdate === false && Object.keys((r.snapshot as Rec).trackedFileBackups as Rec).length ? [i] : [],
      );
      expect(full).toEqual([1478, 1479, 1489]);
      fs.writeFileSync(
        file,
        lines
          .slice(0, 1480)
          .map((l) => `${l}\n`)
          .join(''),
      );
      const env = { CLAUDE_CONFIG_DIR: config };
      const store = Store.init(tmpdir('agentlog-fh-')).store;
      const first = await importFiles(store, 'claude', [file], { env });
      expect(first.fileHistory?.checkpoints).toBe(0);
      const before = new Map([...store.timelines().keys()].map((n) => [n, cids(store, n)]));
      const tips = new Map([...store.timelines()]);

      // The backups (the fixture has none: their bytes are made here, named as the records name them), and the rest of the file.
      const history = path.join(config, 'file-history', sid);
      fs.mkdirSync(history, { recursive: true });
      for (const r of recs) {
        const backups = ((r.snapshot as Rec | undefined)?.trackedFileBackups ?? {}) as Record<string, { backupFileName: string | null }>;
        for (const [p, b] of Object.entries(backups))
          if (b.backupFileName) fs.writeFileSync(path.join(history, b.backupFileName), `${p} as backed up in ${b.backupFileName}\n`);
      }
      fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
      const s = await importFiles(store, 'claude', [file], { env });
      expect(s.warnings).toEqual([]);
      expect(s.timelines.diverged).toBe(0);
      expect(s.fileHistory).toMatchObject({ checkpoints: 1, heldPlain: 2, unavailable: 0 });

      // No fork: the same refs as a fresh import of the whole file with its backups makes.
      const fresh = Store.init(tmpdir('agentlog-fh-')).store;
      await importFiles(fresh, 'claude', [file], { env });
      expect(claudeRefs(store)).toEqual(claudeRefs(fresh));
      for (const [name, old] of before) {
        expect(cids(store, name).slice(0, old.length)).toEqual(old);
        expect(onChain(store, tips.get(name)!, store.tipOf(name)!)).toBe(true);
      }
      const main = `claude/${sid}`;
      const events = store.readEvents(store.tipOf(main)!);
      expect(events).toHaveLength(fresh.readEvents(fresh.tipOf(main)!).length);
      const cps = events.filter((e) => e.event.kind === 'checkpoint');
      expect(cps).toHaveLength(1);
      expect(cps[0].event.seq).toBeGreaterThanOrEqual(before.get(main)!.length);
      expect(filesOf(store, cps[0].event.tree as string)['mix.exs']).toBe('mix.exs as backed up in 284b4d4b3c9220c5@v2\n');
      expect(events.filter((e) => e.event.kind === 'claude.file-history-snapshot')).toHaveLength(25);
      git(store.gitDir, ['fsck', '--strict', '--no-progress']);
    });
});

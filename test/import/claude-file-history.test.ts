import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { syncFolder } from '../../core/workspace/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { A, B, checkpoints, claudeMachine, filesOf, ID, NAME, type Rec } from '../helpers/claudeFileHistory.js';
import { git, tmpdir } from '../helpers/tmp.js';

/** Claude Code's file history imported as checkpoints, on the folders test/helpers/claudeFileHistory.ts lays out. */

describe('import claude: file history as checkpoints', () => {
  it('makes each snapshot whose backups are there a partial checkpoint of the files as they were, carried as workspace/ (fsck clean), and exports the records unchanged', async () => {
    const m = claudeMachine();
    const store = Store.init(tmpdir('agentlog-fh-')).store;
    const s = await importFiles(store, 'claude', [m.file], { env: m.env });
    expect(s.warnings).toEqual([]);
    expect(s.fileHistory).toEqual({ checkpoints: 2, files: 3, unavailable: 0, outside: 0, heldPlain: 0 });
    const cps = checkpoints(store);
    expect(cps.map((c) => [c.event.label, c.event.partial, c.event.files, c.event.absent ?? []])).toEqual([
      ['Claude Code file history', true, 2, []],
      ['Claude Code file history', true, 1, ['sub/b.txt']],
    ]);
    expect(filesOf(store, cps[0].event.tree as string)).toEqual({ 'a.txt': 'ALPHA\n', 'sub/b.txt': 'bee\n' });
    expect(filesOf(store, cps[1].event.tree as string)).toEqual({ 'a.txt': 'alpha3\n' });
    // The first snapshot (nothing tracked yet) stays a record event; the checkpoint sits where its record was.
    const kinds = store.readEvents(store.tipOf(NAME)!).map((e) => e.event.kind);
    expect(kinds.filter((k) => k === 'claude.file-history-snapshot')).toHaveLength(1);
    expect(kinds[cps[0].seq - 1]).toBe('message');
    // The tip's commit carries the newest snapshot beside events/; git fsck accepts it all.
    const gitDir = path.dirname(store.objectsDir);
    expect(git(gitDir, ['ls-tree', `${store.tipOf(NAME)}:workspace`])).toContain('a.txt');
    git(gitDir, ['fsck', '--strict', '--no-progress']);
    // Export gives back every record as it was written.
    const original = fs
      .readFileSync(m.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(exportTimeline(store, store.tipOf(NAME)!, 'claude').records).toEqual(original);
    // Importing again adds nothing.
    const again = await importFiles(store, 'claude', [m.file], { env: m.env });
    expect(again.events.appended).toBe(0);
    expect(again.timelines.diverged).toBe(0);
  });

  it('agentlog restore writes a partial checkpoint over the folder: its files written, its absent ones deleted, every other file left alone', async () => {
    const m = claudeMachine();
    await cliOk(m.project, ['init'], { env: m.env });
    const imported = await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    expect(imported.err).toContain("Claude Code's file history: 2 checkpoint(s) holding 3 file backup(s)");
    // The folder as the session left it, plus a file of the user's the agent never touched.
    fs.writeFileSync(path.join(m.project, 'a.txt'), 'alpha4\n');
    fs.writeFileSync(path.join(m.project, 'mine.txt'), 'my own notes\n');
    const store = Store.open(path.join(m.project, '.agentlog'));
    const [second, third] = checkpoints(store).map((c) => c.seq);

    const dry = await cliOk(m.project, ['restore', `${NAME}@${second}`, '--dry-run', '--json'], { env: m.env });
    expect(JSON.parse(dry.out).changes).toEqual([
      { path: 'a.txt', change: 'M', unknown: false },
      { path: 'sub/b.txt', change: 'A', unknown: false },
    ]);
    expect(fs.readFileSync(path.join(m.project, 'a.txt'), 'utf8')).toBe('alpha4\n');

    const r = await cliOk(m.project, ['restore', `${NAME}@${second}`], { env: m.env });
    expect(r.err).toContain('partial');
    expect(fs.readFileSync(path.join(m.project, 'a.txt'), 'utf8')).toBe('ALPHA\n');
    expect(fs.readFileSync(path.join(m.project, 'sub/b.txt'), 'utf8')).toBe('bee\n');
    expect(fs.readFileSync(path.join(m.project, 'mine.txt'), 'utf8')).toBe('my own notes\n');

    await cliOk(m.project, ['restore', `${NAME}@${third}`], { env: m.env });
    expect(fs.readFileSync(path.join(m.project, 'a.txt'), 'utf8')).toBe('alpha3\n');
    expect(fs.existsSync(path.join(m.project, 'sub/b.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(m.project, 'mine.txt'), 'utf8')).toBe('my own notes\n');
  });

  it('agentlog diff against a partial checkpoint leaves out the files it does not name (unknown there, not deleted)', async () => {
    const m = claudeMachine();
    await cliOk(m.project, ['init'], { env: m.env });
    await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    fs.writeFileSync(path.join(m.project, 'a.txt'), 'alpha4\n');
    fs.writeFileSync(path.join(m.project, 'mine.txt'), 'my own notes\n');
    const store = Store.open(path.join(m.project, '.agentlog'));
    const third = checkpoints(store).at(-1)!.seq;
    // A whole checkpoint of the folder after the session, then the diff both ways.
    await cliOk(m.project, ['checkpoint', NAME, '--workspace', m.project], { env: m.env });
    for (const [from, to] of [
      [`${NAME}@${third}`, NAME],
      [NAME, `${NAME}@${third}`],
    ]) {
      const d = JSON.parse((await cliOk(m.project, ['diff', from, to, '--json'], { env: m.env })).out);
      expect(d.files.map((f: { path: string; change: string }) => `${f.change} ${f.path}`)).toEqual(['M a.txt']);
      expect(d.unknown).toBe(1); // mine.txt: the partial checkpoint does not name it
    }
    const text = await cliOk(m.project, ['diff', NAME, `${NAME}@${third}`], { env: m.env });
    expect(text.out).toContain('1 file(s) a partial checkpoint does not name left out');
    expect(text.out).not.toContain('D mine.txt');
  });

  it('a run continuing an imported session takes the folder as the agent left it: a whole first checkpoint, not a refusal', async () => {
    const m = claudeMachine();
    const store = Store.init(path.join(m.project, '.agentlog')).store;
    await importFiles(store, 'claude', [m.file], { env: m.env });
    // The folder as the third turn left it (after the third snapshot), and a file of the user's.
    fs.writeFileSync(path.join(m.project, 'a.txt'), 'alpha4\n');
    fs.writeFileSync(path.join(m.project, 'mine.txt'), 'my own notes\n');
    const before = checkpoints(store).length;
    const r = await syncFolder(store, NAME, m.project);
    expect(r.action).toBe('recorded');
    const after = checkpoints(store);
    expect(after.at(-1)!.event.label).toBe('start: the folder as the imported agent left it');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.event.partial).toBeUndefined();
    expect(filesOf(store, after.at(-1)!.event.tree as string)).toEqual({ 'a.txt': 'alpha4\n', 'mine.txt': 'my own notes\n' });
    // Run again: the folder now is the newest (whole) checkpoint.
    expect((await syncFolder(store, NAME, m.project)).action).toBe('none');
    // An empty folder elsewhere gets the files back.
    const empty = tmpdir('claude-fh-empty-');
    expect((await syncFolder(store, NAME, empty)).action).toBe('restored');
    expect(fs.readFileSync(path.join(empty, 'a.txt'), 'utf8')).toBe('alpha4\n');
  });

  it('rejects a restore over a folder in the way of a tracked file without --force', async () => {
    const m = claudeMachine();
    await cliOk(m.project, ['init'], { env: m.env });
    await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    const store = Store.open(path.join(m.project, '.agentlog'));
    const second = checkpoints(store)[0].seq;
    // sub/b.txt is tracked (the agent made it); a folder in its way is not the agent's.
    fs.mkdirSync(path.join(m.project, 'sub/b.txt'), { recursive: true });
    fs.writeFileSync(path.join(m.project, 'sub/b.txt/keep'), 'x');
    const r = await cli(m.project, ['restore', `${NAME}@${second}`], { env: m.env });
    expect(r.code).not.toBe(0);
    expect(fs.readFileSync(path.join(m.project, 'sub/b.txt/keep'), 'utf8')).toBe('x');
  });

  it('imports with backups missing: the checkpoints hold the files that are there, and the import says how many were not', async () => {
    const m = claudeMachine();
    fs.rmSync(path.join(m.history, `${B}@v2`));
    await cliOk(m.project, ['init'], { env: m.env });
    const said = await cliOk(m.project, ['import', 'claude', m.file], { env: m.env });
    expect(said.err).toContain("Claude Code's file history: 2 checkpoint(s) holding 2 file backup(s); 1 backup(s) not on this machine");
    const s = await importFiles(Store.init(tmpdir('agentlog-fh-')).store, 'claude', [m.file], { env: m.env });
    expect(s.fileHistory).toEqual({ checkpoints: 2, files: 2, unavailable: 1, outside: 0, heldPlain: 0 });
    expect(s.warnings).toEqual([]);
    const store = Store.open(path.join(m.project, '.agentlog'));
    const [first] = checkpoints(store);
    expect(first.event.unavailable).toBe(1);
    expect(filesOf(store, first.event.tree as string)).toEqual({ 'a.txt': 'ALPHA\n' });

    // No backups at all (the fixtures' case, or another machine): the records import as before.
    const bare = claudeMachine();
    fs.rmSync(bare.history, { recursive: true });
    const store2 = Store.init(tmpdir('agentlog-fh-')).store;
    const s2 = await importFiles(store2, 'claude', [bare.file], { env: bare.env });
    expect(s2.fileHistory).toEqual({ checkpoints: 0, files: 0, unavailable: 3, outside: 0, heldPlain: 0 });
    expect(store2.readEvents(store2.tipOf(NAME)!).filter((e) => e.event.kind === 'claude.file-history-snapshot')).toHaveLength(3);
    expect(checkpoints(store2)).toEqual([]);
    expect(s2.events.appended).toBeGreaterThan(10);
  });

  it('one timeline whichever machine imports first: with the backups, then without (and the reverse), nothing diverges', async () => {
    const m = claudeMachine();
    const noHistory = { CLAUDE_CONFIG_DIR: tmpdir('no-claude-') };
    for (const order of [
      [m.env, noHistory],
      [noHistory, m.env],
    ]) {
      const store = Store.init(tmpdir('agentlog-fh-')).store;
      await importFiles(store, 'claude', [m.file], { env: order[0] });
      const tip = store.tipOf(NAME);
      // The file grows by a record; the second import (the other machine's view) extends the same timeline.
      const grown = path.join(tmpdir('grown-'), `${ID}.jsonl`);
      fs.copyFileSync(m.file, grown);
      fs.appendFileSync(grown, `${JSON.stringify({ type: 'last-prompt', lastPrompt: 'third edit', sessionId: ID })}\n`);
      const s = await importFiles(store, 'claude', [grown], { env: order[1] });
      expect(s.warnings).toEqual([]);
      expect(s.timelines.diverged).toBe(0);
      expect(s.events.appended).toBe(1);
      expect(store.readEvents(store.tipOf(NAME)!).slice(0, -1).at(-1)?.cid).toEqual(store.readEvents(tip!).at(-1)?.cid);
    }
  });

  it('rejects backup names and tracked paths that leave their folders: nothing outside is read', async () => {
    const m = claudeMachine();
    const secret = path.join(m.config, 'secret');
    fs.writeFileSync(secret, 'do not read\n');
    fs.writeFileSync(path.join(m.history, `${A}@v9`), 'fine\n');
    const recs = fs
      .readFileSync(m.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
    const snap = recs.filter((r) => r.type === 'file-history-snapshot')[1] as { snapshot: { trackedFileBackups: Rec } };
    snap.snapshot.trackedFileBackups = {
      'a.txt': { backupFileName: '../../secret', version: 1 },
      '../escape.txt': { backupFileName: `${A}@v9`, version: 9 },
      '.git/config': { backupFileName: `${A}@v9`, version: 9 },
      '/etc/elsewhere.txt': { backupFileName: `${A}@v9`, version: 9 },
      [`${m.project}/inside.txt`]: { backupFileName: `${A}@v9`, version: 9 },
    };
    fs.writeFileSync(m.file, recs.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const store = Store.init(tmpdir('agentlog-fh-')).store;
    const s = await importFiles(store, 'claude', [m.file], { env: m.env });
    expect(s.fileHistory).toMatchObject({ unavailable: 1, outside: 3 });
    const [first] = checkpoints(store);
    expect(filesOf(store, first.event.tree as string)).toEqual({ 'inside.txt': 'fine\n' });
  });
});

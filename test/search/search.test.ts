import * as fs from 'node:fs';
import * as path from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { search, updateIndex } from '../../core/search/index.js';
import { ownerRecord } from '../../core/git/lock.js';

import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { importFiles } from '../../core/import/index.js';
import { freshStore, jsonlFiles, type Obj } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { clock, tmpdir } from '../helpers/tmp.js';

const shared = sharedFixtures();
const { Database } = sqlite;

function say(role: string, text: string, ts: number) {
  return { kind: 'message', role, ts, content: [{ type: 'text', text }] };
}

async function small(): Promise<Store> {
  const store = Store.init(tmpdir('agentlog-search-'), { now: clock() }).store;
  await store.create('alpha', { kind: 'session', ts: 1000, title: 'first session' });
  await store.append('alpha', say('user', 'please run the database migration', 2000));
  await store.append('alpha', {
    kind: 'message',
    role: 'assistant',
    ts: 3000,
    content: [
      { type: 'thinking', thinking: 'the migration needs a backup first' },
      { type: 'tool_use', id: 't1', name: 'Edit', input: { file_path: '/repo/src/auth.ts', old_string: 'oldToken', new_string: 'freshToken' } },
    ],
  });
  await store.append('alpha', { kind: 'message', role: 'user', ts: 4000, content: [{ type: 'tool_result', tool_use_id: 't1', content: 'edited auth file' }] });
  return store;
}

const searchDir = (store: Store) => path.join(store.gitDir, 'agentlog', 'search');

/** Run SQL on the index file, as another program might. */
function sql(file: string, statement: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

describe('search', () => {
  it('finds words in text, thinking, tool inputs and outputs, and paths; filters by role, tool, file, kind and time', async () => {
    const store = await small();
    expect(search(store, 'migration').hits.map((h) => [h.seq, h.field])).toEqual([
      [1, 'text'],
      [2, 'thinking'],
    ]);
    expect(search(store, 'freshToken').hits.map((h) => [h.seq, h.field])).toEqual([[2, 'tool']]);
    expect(
      search(store, 'auth.ts')
        .hits.map((h) => h.seq)
        .sort(),
    ).toEqual([2, 3]);
    // the result names its call's tool and path
    expect(search(store, 'edited', { tool: 'edit' }).hits.map((h) => h.seq)).toEqual([3]);
    expect(search(store, 'edited', { file: 'src/auth.ts' }).hits.map((h) => h.seq)).toEqual([3]);
    expect(search(store, 'edited', { tool: 'Bash' }).hits).toEqual([]);
    expect(search(store, 'migration', { role: 'assistant' }).hits.map((h) => h.seq)).toEqual([2]);
    expect(search(store, 'migration', { since: 2500 }).hits.map((h) => h.seq)).toEqual([2]);
    expect(search(store, 'session', { kind: 'session' }).hits.map((h) => h.seq)).toEqual([0]);
    expect(search(store, '"database migration"').hits.map((h) => h.seq)).toEqual([1]);
    expect(search(store, '"migration database"').hits).toEqual([]);
    const hit = search(store, 'migration').hits[0];
    expect(hit.timeline).toBe('alpha');
    expect(hit.cid).toBe(store.eventAt(store.tipOf('alpha')!, 1)!.cid.toString());
    expect(hit.snippet.text).toBe('please run the database migration');
    expect(hit.snippet.marks.map(([a, b]) => hit.snippet.text.slice(a, b))).toEqual(['migration']);
  });

  it('rejects a query with no words and an unknown --session', async () => {
    const store = await small();
    expect(() => search(store, ' "" ')).toThrow(/no words/);
    expect(() => search(store, 'migration', { session: 'nope' })).toThrow(/no timeline is named nope/);
  });

  it('is updated incrementally after an append and a fork; a shared event is listed once', async () => {
    const store = await small();
    expect(search(store, 'migration').indexed).toBe(4);
    expect(search(store, 'migration').indexed).toBe(0);
    await store.append('alpha', say('assistant', 'the migration is done', 5000));
    const after = search(store, 'migration');
    expect(after.indexed).toBe(1);
    expect(after.hits.map((h) => h.seq).sort()).toEqual([1, 2, 4]);
    // a fork at seq 2 shares events 0..2: only its own new event is indexed
    const at2 = [...store.history(store.tipOf('alpha')!)].find((c) => c.seq === 2)!.oid;
    await store.branch('beta', at2, 'alpha');
    await store.append('beta', say('user', 'rollback the migration instead', 6000));
    const fork = search(store, 'migration');
    expect(fork.indexed).toBe(1);
    const keys = fork.hits.map((h) => `${h.timeline}@${h.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(['alpha@1', 'alpha@2', 'alpha@4', 'beta@3']);
    // --session beta: its own events and the ones it shares with alpha, not alpha's own after the fork
    expect(
      search(store, 'migration', { session: 'beta' })
        .hits.map((h) => `${h.timeline}@${h.seq}`)
        .sort(),
    ).toEqual(['alpha@1', 'alpha@2', 'beta@3']);
    const { manifest } = updateIndex(store);
    expect(manifest.timelines.beta.base).toEqual({ id: manifest.timelines.alpha.id, upto: 3 });
  });

  it('a result indexed in a later update than its call (appended after, or in a fork) still names its tool and file', async () => {
    const store = Store.init(tmpdir('agentlog-search-'), { now: clock() }).store;
    await store.create('alpha', { kind: 'session', ts: 1000, title: 'late result' });
    await store.append('alpha', {
      kind: 'message',
      role: 'assistant',
      ts: 2000,
      content: [{ type: 'tool_use', id: 'r1', name: 'Read', input: { file_path: '/repo/src/late.ts' } }],
    });
    expect(search(store, 'late').indexed).toBe(2);
    // The result comes in the next update: its call is not among the events indexed then.
    await store.append('alpha', {
      kind: 'message',
      role: 'user',
      ts: 3000,
      content: [{ type: 'tool_result', tool_use_id: 'r1', content: 'zebracorn inside' }],
    });
    const late = search(store, 'zebracorn', { tool: 'read' });
    expect(late.indexed).toBe(1);
    expect(late.hits.map((h) => h.seq)).toEqual([2]);
    expect(search(store, 'zebracorn', { file: 'src/late.ts' }).hits.map((h) => h.seq)).toEqual([2]);
    // A fork at the call: its own result is indexed alone, after the events it shares.
    const at1 = [...store.history(store.tipOf('alpha')!)].find((c) => c.seq === 1)!.oid;
    await store.branch('beta', at1, 'alpha');
    await store.append('beta', {
      kind: 'message',
      role: 'user',
      ts: 4000,
      content: [{ type: 'tool_result', tool_use_id: 'r1', content: 'quokkafish inside' }],
    });
    const fork = search(store, 'quokkafish', { tool: 'read', file: 'src/late.ts' });
    expect(fork.indexed).toBe(1);
    expect(fork.hits.map((h) => `${h.timeline}@${h.seq}`)).toEqual(['beta@2']);
  });

  it('is updated incrementally after a pull', async () => {
    const origin = await small();
    const dst = path.join(tmpdir(), 'clone');
    expect((await cli(tmpdir(), ['clone', origin.dir, dst])).code).toBe(0);
    const clone = Store.open(dst);
    expect(search(clone, 'migration').hits.map((h) => h.seq)).toEqual([1, 2]);
    await origin.append('alpha', say('assistant', 'the migration finished', 5000));
    await origin.append('alpha', say('user', 'thanks', 6000));
    expect((await cli(dst, ['pull'])).code).toBe(0);
    const pulled = search(clone, 'migration');
    expect(pulled.indexed).toBe(2);
    expect(pulled.hits.map((h) => h.seq)).toContain(4);
  });

  it('drops the documents of a timeline replaced, after many incremental updates', async () => {
    const store = await small();
    expect(search(store, 'migration').indexed).toBe(4);
    for (let i = 0; i < 12; i++) {
      await store.append('alpha', say('user', `note ${i} about the migration`, 10_000 + i));
      expect(search(store, 'migration').indexed).toBe(1);
    }
    const hits = search(store, 'migration', { limit: 100 }).hits;
    expect(hits.map((h) => h.seq).sort((a, b) => a - b)).toEqual([1, 2, ...Array.from({ length: 12 }, (_, i) => 4 + i)]);
    // alpha replaced by a timeline that holds other events (not a fast-forward): indexed again, its old documents gone
    await store.create('gamma', { kind: 'session', ts: 1, title: 'another' });
    await store.append('gamma', say('user', 'nothing about it', 2));
    expect(await store.moveRef('refs/heads/alpha', store.tipOf('alpha'), store.tipOf('gamma')!)).toBe(true);
    await store.deleteRef('refs/heads/gamma', store.tipOf('gamma')!);
    const after = search(store, 'migration', { limit: 100 });
    expect(after.hits).toEqual([]);
    expect(search(store, 'nothing').hits.map((h) => `${h.timeline}@${h.seq}`)).toEqual(['alpha@1']);
  });

  it('rebuilds a damaged, missing or foreign index and finds the same', async () => {
    const store = await small();
    const want = search(store, 'migration').hits;
    const dir = searchDir(store);
    const file = path.join(dir, 'index.sqlite');
    const damage: [string, () => void][] = [
      ['its header overwritten', () => fs.writeFileSync(file, Buffer.alloc(100, 0x41), { flag: 'r+' })],
      ['cut after its first page', () => fs.truncateSync(file, 4096)],
      ['a document pointing at another event', () => sql(file, 'UPDATE docs SET s = 0 WHERE s = 1')],
      ['a timeline row that is not one', () => sql(file, "UPDATE timelines SET tip = 'nope'")],
      ['of another version', () => sql(file, 'PRAGMA user_version = 2')],
      [
        "an older version's files",
        () => {
          fs.rmSync(dir, { recursive: true });
          fs.mkdirSync(path.join(dir, 'seg-1'), { recursive: true });
          fs.writeFileSync(path.join(dir, 'manifest.json'), '{"v":2}\n00000000');
        },
      ],
      ['missing', () => fs.rmSync(dir, { recursive: true })],
    ];
    for (const [what, hurt] of damage) {
      hurt();
      expect(search(store, 'migration'), what).toMatchObject({ rebuilt: true, hits: want });
      expect(fs.readdirSync(dir).sort(), what).toEqual(['index.sqlite']);
    }
    expect(search(store, 'migration')).toMatchObject({ rebuilt: false, indexed: 0, hits: want });
  });

  it("uses an index whose SQLite lock a killed process left; waits for a live holder of search.lock, breaks a dead one's", async () => {
    const store = await small();
    const want = search(store, 'migration').hits;
    const dir = searchDir(store);
    // node-sqlite3-wasm locks the database with a folder: a process killed while it held it leaves it.
    fs.mkdirSync(path.join(dir, 'index.sqlite.lock'));
    expect(search(store, 'migration')).toMatchObject({ rebuilt: false, hits: want });
    // search.lock held by a live process: a search waits for it, then says who holds it; by a dead one: broken.
    const lock = `${dir}.lock`;
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(lock, ownerRecord({ pid: other.pid!, host: os.hostname(), boot: '', start: '' }));
      expect(() => search(store, 'migration', { waitMs: 50 })).toThrow(/search\.lock .*held by process \d+ on this machine/);
    } finally {
      other.kill();
    }
    await new Promise((r) => other.once('exit', r));
    fs.writeFileSync(lock, ownerRecord({ pid: other.pid!, host: os.hostname(), boot: '', start: '' }));
    expect(search(store, 'migration', { waitMs: 50 })).toMatchObject({ rebuilt: false, hits: want });
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('agentlog search: lines fitted to the terminal, matches coloured on a terminal only, --json', async () => {
    const store = await small();
    const tty = await cli(store.dir, ['search', 'migration'], { columns: 60 });
    expect(tty.code).toBe(0);
    const lines = tty.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect([...l.replace(/\x1b\[[0-9;]*m/g, '')].length).toBeLessThanOrEqual(60);
    expect(tty.out).toContain('\x1b[1;33mmigration\x1b[0m');
    const plain = await cli(store.dir, ['search', 'migration'], { columns: 60, env: { NO_COLOR: '1' } });
    expect(plain.out).not.toContain('\x1b[');
    const piped = await cli(store.dir, ['search', 'migration']);
    expect(piped.out.split('\n')[0].split('\t')).toEqual([
      'alpha',
      '1',
      search(store, 'migration').hits[0].cid.slice(-8),
      '1970-01-01 00:00:02Z',
      'please run the database migration',
    ]);
    const json = JSON.parse((await cli(store.dir, ['search', 'migration', '--json', '--limit', '1'])).out);
    expect(json.total).toBe(2);
    expect(json.hits).toHaveLength(1);
    expect(json.hits[0]).toMatchObject({ timeline: 'alpha', seq: 1, field: 'text', snippet: { marks: [[24, 33]] } });
    const none = await cli(store.dir, ['search', 'zebra']);
    expect(none).toMatchObject({ code: 1, out: '' });
    expect(none.err).toContain('no event holds zebra');
    expect((await cli(store.dir, ['search', 'x', '--since', 'yesterday-ish'])).err).toContain('is not a date');
  });

  it('agentlog search draws a progress line on a terminal while it indexes many timelines, and clears it', async () => {
    const store = Store.init(tmpdir('agentlog-search-'), { now: clock() }).store;
    for (let i = 0; i < 24; i++) {
      await store.create(`t${i}`, { kind: 'session', ts: i });
      await store.append(`t${i}`, say('user', `question ${i} about kites`, 100 + i));
    }
    const r = await cli(store.dir, ['search', 'kites'], { tty: true });
    expect(r.code).toBe(0);
    // drawn, then cleared before the summary line
    expect(r.err).toContain('indexing: 24/24 timelines, 48 events\r\x1b[K20 of 24 matching events');
    expect(r.out.trimEnd().split('\n')).toHaveLength(20);
    const piped = await cli(store.dir, ['search', 'kites', '--limit', '30']);
    expect(piped.err).not.toContain('indexing');
    expect(piped.out.trimEnd().split('\n')).toHaveLength(24);
  });

  if (shared)
    describe('shared fixtures (real Claude Code and Codex sessions)', () => {
      it('every hit holds every word, ranked by score then newest; snippets mark the words and fit; nothing is missed', async () => {
        const store = freshStore();
        await importFiles(store, 'claude', jsonlFiles(path.join(shared, 'claude-code', 'spotter')));
        await importFiles(store, 'codex', jsonlFiles(path.join(shared, 'codex')));
        const t0 = performance.now();
        const first = search(store, 'prisma migration', { limit: 1000, width: 80 });
        console.log(`[search] first search with the index built: ${(performance.now() - t0).toFixed(0)} ms, ${first.indexed} events indexed`);
        expect(first.hits.length).toBeGreaterThan(5);
        for (let i = 0; i < first.hits.length; i++) {
          const h = first.hits[i];
          const e = store.eventAt(store.tipOf(h.timeline)!, h.seq)!;
          expect(e.cid.toString()).toBe(h.cid);
          const json = JSON.stringify(e.event).toLowerCase();
          expect(json).toMatch(/prisma/);
          expect(json).toMatch(/migration/);
          expect([...h.snippet.text].length).toBeLessThanOrEqual(80);
          expect(h.snippet.marks.length).toBeGreaterThan(0);
          for (const [a, b] of h.snippet.marks) expect(['prisma', 'migration']).toContain(h.snippet.text.slice(a, b).toLowerCase());
          if (i > 0) {
            const p = first.hits[i - 1];
            expect(p.score).toBeGreaterThanOrEqual(h.score);
            if (p.score === h.score) expect(p.ts).toBeGreaterThanOrEqual(h.ts);
          }
        }
        // Completeness, counted from the events: every message whose own text (not a tool's) holds both words as words.
        const word = (w: string) => new RegExp(`(^|[^\\p{L}\\p{N}])${w}($|[^\\p{L}\\p{N}])`, 'iu');
        const expected = new Set<string>();
        for (const tip of store.timelines().values()) {
          for (const e of store.readEvents(tip)) {
            const ev = e.event as Obj;
            if (ev.kind !== 'message' || !Array.isArray(ev.content)) continue;
            const text = ev.content.map((b: Obj) => (b.type === 'text' ? b.text : b.type === 'thinking' ? b.thinking : '')).join('\n');
            if (word('prisma').test(text) && word('migration').test(text)) expected.add(e.cid.toString());
          }
        }
        const got = new Set(first.hits.map((h) => h.cid));
        expect(expected.size).toBeGreaterThan(0);
        for (const cid of expected) expect(got.has(cid), cid).toBe(true);
      }, 300_000); // imports every fixture: ~15 s on a quiet machine, minutes on a loaded one
    });
});

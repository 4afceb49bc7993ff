import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../core/codec/dagcbor.js';
import { Store, type EventInput } from '../core/store/store.js';
import { oneLine, summarize, type Event } from '../core/event/event.js';
import { resolveRev } from '../core/timeline/rev.js';
import { verifyTimeline } from '../core/timeline/verify.js';
import { listSessions } from '../core/timeline/sessions.js';
import { moveBeforeFirstPublish } from './helpers/race.js';
import { clock, git, tmpdir } from './helpers/tmp.js';
import { deflateSync, inflateSync } from 'node:zlib';
import { unwrapStored, zlibStored } from '../core/git/pack/format.js';

async function sessionWith(n: number, name = 'talk') {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create(name, { kind: 'session', title: 'a talk' });
  const cids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const a = await store.append(name, { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `line ${i}` }] });
    cids.push(a.cid.toString());
  }
  return { dir, store, cids };
}

describe('store', () => {
  it('init makes a marked, non-bare git repository and is idempotent', () => {
    const dir = path.join(tmpdir(), 's');
    expect(Store.init(dir).created).toBe(true);
    expect(Store.init(dir).created).toBe(false);
    expect(git(dir, ['rev-parse', '--is-bare-repository']).trim()).toBe('false');
    expect(git(dir, ['config', 'agentlog.version']).trim()).toBe('1');
    expect(Store.isMarked(dir)).toBe(true);
  });

  it('an event dated before 1970 (an imported record, a JSON append) still makes a commit git fsck --strict accepts', async () => {
    const { dir, store } = await sessionWith(1);
    const a = await store.append('talk', { kind: 'message', role: 'user', ts: -86_400_000, content: [{ type: 'text', text: 'old' }] });
    expect(store.readEvents(store.tipOf('talk')!).at(-1)!.event.ts).toBe(-86_400_000);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(dir, ['log', '-1', '--format=%at', 'talk']).trim()).toBe('0');
    expect(git(dir, ['log', '-1', '--format=%(trailers:key=Agentlog-Event,valueonly)', 'talk']).trim()).toBe(a.cid.toString());
  });

  it('init inside another working tree adds the store to its info/exclude', () => {
    const project = tmpdir();
    git(project, ['init', '-q']);
    fs.writeFileSync(path.join(project, 'app.js'), 'x');
    const { excludedIn } = Store.init(path.join(project, '.agentlog'));
    expect(excludedIn).toBe(project);
    expect(fs.readFileSync(path.join(project, '.git/info/exclude'), 'utf8')).toContain('/.agentlog/');
    Store.init(path.join(project, '.agentlog'));
    expect(fs.readFileSync(path.join(project, '.git/info/exclude'), 'utf8').match(/\/\.agentlog\//g)).toHaveLength(1);
    expect(git(project, ['status', '--porcelain', '--untracked-files=all'])).toBe('?? app.js\n');
  });

  it('writes one commit per event that git fsck --strict accepts, with author, date, subject and trailers', async () => {
    const { dir, store, cids } = await sessionWith(5);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    const log = git(dir, [
      'log',
      '--format=%an|%at|%s|%(trailers:key=Agentlog-Seq,valueonly,separator=)|%(trailers:key=Agentlog-Event,valueonly,separator=)',
      'talk',
    ])
      .trim()
      .split('\n');
    expect(log).toHaveLength(6);
    expect(log[0]).toBe(`user|1750000000|user: line 5|5|${cids[4]}`);
    expect(log[5]).toMatch(/^user\|1750000000\|session: a talk\|0\|bafyrei/);
    expect(git(dir, ['log', '--format=%H', '--grep', cids[2], 'talk']).trim()).toBe(resolveRev(store, cids[2]).commit);
    const files = git(dir, ['ls-tree', '-r', '--name-only', 'talk']).trim().split('\n');
    expect(files).toEqual([0, 1, 2, 3, 4, 5].map((s) => `events/000000/00/00000000${s}.cbor`));
  });

  it('appends after a given commit only while it is the tip', async () => {
    const { store } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    const a = await store.append('talk', { kind: 'note', text: 'first' }, { after: tip });
    await expect(store.append('talk', { kind: 'note', text: 'stale' }, { after: tip })).rejects.toThrow(/moved/);
    expect(store.tipOf('talk')).toBe(a.commit);
  });

  it('writes appends made without awaiting together: one commit each, in call order, one pack, one move of the branch', async () => {
    const { dir, store } = await sessionWith(0);
    const packDir = path.join(dir, '.git/objects/pack');
    const packsBefore = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length;
    const seen: string[] = [];
    const pending = Array.from({ length: 250 }, (_, i) =>
      store.append('talk', { kind: 'note', text: `n${i}` }).then((a) => {
        // Resolved once the branch has moved, in one step, to the last of them.
        seen.push(git(dir, ['rev-parse', 'talk']).trim());
        return a;
      }),
    );
    const done = await Promise.all(pending);
    expect(done.map((a) => a.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(seen).toEqual(done.map(() => done[249].commit));
    expect(git(dir, ['rev-list', '--first-parent', 'talk']).trim().split('\n').slice(0, 250).reverse()).toEqual(done.map((a) => a.commit));
    expect(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length).toBe(packsBefore + 1);
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('251');
    expect(git(dir, ['log', '-3', '--format=%s', 'talk']).trim().split('\n')).toEqual(['note: n249', 'note: n248', 'note: n247']);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!).problem).toBeUndefined();
  });

  it('splits waiting appends into batches of about 16 MiB of events, keeping their order', async () => {
    const { dir, store } = await sessionWith(0);
    const packDir = path.join(dir, '.git/objects/pack');
    const packsBefore = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length;
    const big = 'x'.repeat(1 << 20);
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append('talk', { kind: 'note', text: `${i} ${big}` })));
    expect(done.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length).toBe(packsBefore + 2); // 16 events, then 4
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });

  it('in a batch, a bad event fails alone, or stops the rest of its chain; seq conditions hold', async () => {
    const { store } = await sessionWith(0);
    const bad = { kind: 'note', n: 2n ** 64n } as unknown as EventInput; // beyond DAG-CBOR's integers
    const loose = [store.append('talk', { kind: 'note', text: 'a' }), store.append('talk', bad), store.append('talk', { kind: 'note', text: 'b' })];
    const [a, failed, b] = await Promise.allSettled(loose);
    expect(a.status === 'fulfilled' && a.value.seq).toBe(1);
    expect(failed.status).toBe('rejected');
    expect(b.status === 'fulfilled' && b.value.seq).toBe(2);

    const chain = {};
    const chained = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'c' }, { chain }),
      store.append('talk', bad, { chain }),
      store.append('talk', { kind: 'note', text: 'd' }, { chain }),
      store.append('talk', { kind: 'note', text: 'unrelated' }),
    ]);
    expect(chained.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((chained[2] as PromiseRejectedResult).reason.code).toBe('E_CHAIN');
    // A chain that failed stays failed.
    await expect(store.append('talk', { kind: 'note', text: 'e' }, { chain })).rejects.toMatchObject({ code: 'E_CHAIN' });

    const texts = () => store.readEvents(store.tipOf('talk')!).map((e) => e.event.text ?? e.event.kind);
    expect(texts()).toEqual(['session', 'a', 'b', 'c', 'unrelated']);
    const seqs = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'five' }, { seq: 5 }),
      store.append('talk', { kind: 'note', text: 'seven?' }, { seq: 7 }),
      store.append('talk', { kind: 'note', text: 'six' }, { seq: 6 }),
    ]);
    expect(seqs.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((seqs[1] as PromiseRejectedResult).reason.data.moved).toBe(true);
    expect(texts().slice(-2)).toEqual(['five', 'six']);
  });

  it('a batch that loses the race is rebuilt on the new tip, judging its chain again', async () => {
    const { dir, store } = await sessionWith(0);
    const other = Store.open(dir);
    // The first publish of the batch finds the branch moved by another writer, for real.
    const race = moveBeforeFirstPublish(store, 'refs/heads/talk', () => other.append('talk', { kind: 'note', text: 'other writer' }));
    const bad = { kind: 'note', n: 2n ** 64n } as unknown as EventInput;
    const chain = {};
    const results = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'a' }, { chain }),
      store.append('talk', bad, { chain }),
      store.append('talk', { kind: 'note', text: 'c' }, { chain }),
    ]);
    expect(race.calls).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[0] as PromiseFulfilledResult<{ seq: number }>).value.seq).toBe(2);
    expect((results[2] as PromiseRejectedResult).reason.code).toBe('E_CHAIN');
    expect(store.readEvents(store.tipOf('talk')!).map((e) => e.event.text ?? e.event.kind)).toEqual(['session', 'other writer', 'a']);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });

  it('deletes a ref only while it holds the expected commit, from packed-refs and loose alike', async () => {
    const { dir, store } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    await store.branch('other', tip);
    git(dir, ['pack-refs', '--all']);
    await store.append('talk', { kind: 'note', text: 'loose again' });
    const now = store.tipOf('talk')!;
    expect(await store.deleteRef('refs/heads/talk', tip)).toBe(false); // moved since
    expect(store.tipOf('talk')).toBe(now);
    expect(await store.deleteRef('refs/heads/talk', now)).toBe(true); // loose over a packed value
    expect(await store.deleteRef('refs/heads/other', tip)).toBe(true); // packed only
    expect(git(dir, ['for-each-ref', 'refs/heads/']).trim()).toBe('');
    expect(fs.existsSync(path.join(dir, '.git/refs/heads/talk.lock'))).toBe(false);
    git(dir, ['fsck', '--strict']); // exits non-zero on any error
  });

  it('keeps unknown kinds and keys untouched', async () => {
    const { store } = await sessionWith(0);
    const odd = { kind: 'mystery', ts: 5, deep: { list: [1, 'two', null, { three: true }], big: 2n ** 60n }, 'strange key': 'ok' };
    const a = await store.append('talk', odd);
    const back = store.readEvents(store.tipOf('talk')!)[1];
    expect(back.cid.equals(a.cid)).toBe(true);
    const { v: _v, seq: _s, prev: _p, ...rest } = back.event;
    expect(rest).toEqual(odd);
  });

  it('keeps its packs few as appends accumulate, and git reads them all', async () => {
    const { dir, store } = await sessionWith(300);
    const packs = fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack'));
    expect(packs.length).toBeLessThanOrEqual(48);
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('301');
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!).problem).toBeUndefined();
  });

  it('keeps its packs few when every append comes from a new process (a Store opened for each)', async () => {
    const { dir } = await sessionWith(0);
    const now = clock();
    const counts: number[] = [];
    for (let i = 0; i < 400; i++) {
      await Store.open(dir, { now }).append('talk', { kind: 'note', text: `one-shot ${i}` });
      counts.push(fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack')).length);
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(80);
    expect(counts[counts.length - 1]).toBeLessThan(64);
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('401');
    expect(verifyTimeline(Store.open(dir), 'talk', Store.open(dir).tipOf('talk')!).problem).toBeUndefined();
  });

  it('lays out the log as it was when git checks out an older commit', async () => {
    const { dir } = await sessionWith(300);
    git(dir, ['checkout', '-q', 'talk~100']);
    const files = (fs.readdirSync(path.join(dir, 'events'), { recursive: true }) as string[]).filter((f) => f.endsWith('.cbor')).sort();
    expect(files).toHaveLength(201);
    expect(files[files.length - 1]).toBe('000000/06/000000200.cbor');
  });

  it('appending to the checked-out timeline detaches HEAD, so git status stays clean', async () => {
    const { dir, store } = await sessionWith(3);
    git(dir, ['checkout', '-q', 'talk']);
    await store.append('talk', { kind: 'note', text: 'one more' });
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(git(dir, ['status'])).toMatch(/HEAD detached at/);
    git(dir, ['checkout', '-q', 'talk']);
    expect(fs.readdirSync(path.join(dir, 'events/000000/00'))).toHaveLength(5);
  });

  it('reads a plain git clone, packed objects and packed refs the same', async () => {
    const { dir, store } = await sessionWith(40);
    const before = store.readEvents(store.tipOf('talk')!).map((e) => e.cid.toString());
    const clone = path.join(tmpdir(), 'clone');
    git(path.dirname(clone), ['clone', '-q', '--no-checkout', dir, clone]);
    git(clone, ['branch', '-q', 'talk', 'origin/talk']);
    git(clone, ['gc', '-q', '--aggressive']);
    expect(fs.existsSync(path.join(clone, '.git/packed-refs'))).toBe(true);
    expect(fs.readdirSync(path.join(clone, '.git/refs/heads'))).toEqual([]);
    const other = Store.open(clone, { now: clock(1_800_000_000_000) });
    expect(other.readEvents(other.tipOf('talk')!).map((e) => e.cid.toString())).toEqual(before);
    expect(verifyTimeline(other, 'talk', other.tipOf('talk')!).problem).toBeUndefined();
    // Append on top of a packed ref: the loose ref shadows it and git agrees.
    const a = await other.append('talk', { kind: 'note', text: 'after gc' });
    expect(git(clone, ['rev-parse', 'talk']).trim()).toBe(a.commit);
    expect(git(clone, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });

  it('rejects timeline names that git would refuse or that escape refs/heads', async () => {
    const { store } = await sessionWith(0);
    for (const bad of ['../x', 'a..b', 'x.lock', 'has space', 'a@b', 'HEAD', '', 'a/', '.hidden', 'a:b', 'x~1']) {
      await expect(store.create(bad, { kind: 'session' }), bad).rejects.toThrow(/not a valid timeline name/);
    }
    expect(fs.readdirSync(path.join(store.gitDir, 'refs/heads'))).toEqual(['talk']);
  });

  it('keeps every fork record when forks are made at once, and names a clashing ref clearly', async () => {
    const { store } = await sessionWith(3);
    const at1 = resolveRev(store, 'talk@1').commit;
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.branch(`talk-f${i}`, at1, 'talk')));
    expect(Object.keys(store.forkRecords()).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `talk-f${i}`));
    await store.branch('group/one', at1, 'talk');
    await expect(store.branch('group', at1, 'talk')).rejects.toThrow(/conflicting name/);
  });

  it('accepts only names git check-ref-format accepts under refs/heads/', async () => {
    const { store } = await sessionWith(0);
    const names = [
      'plain',
      'with/slash',
      'dots.in.name',
      'under_score',
      'UPPER-1',
      'a.lock.b',
      'tab\tname',
      'ends.',
      'x//y',
      'trailing/',
      '/lead',
      'a..b',
      'q?',
      'brace@{1}',
      'é-accent',
      'star*',
    ];
    for (const name of names) {
      let ours = true;
      try {
        await store.create(name, { kind: 'session' });
      } catch {
        ours = false;
      }
      let gits = true;
      try {
        git(store.dir, ['check-ref-format', `refs/heads/${name}`]);
      } catch {
        gits = false;
      }
      if (ours) expect(gits, name).toBe(true);
    }
  });

  it('waits for a held lock, names it when it stays, and recovers one a killed writer left long ago', async () => {
    // The wait for the lock is injected short (the default is LOCK_WAIT_MS, 5 s): the same path, fast.
    const { store: made } = await sessionWith(1);
    const store = Store.open(made.dir, { now: clock(1_755_000_000_000), lockWaitMs: 100 });
    const lock = path.join(store.gitDir, 'refs/heads/talk.lock');
    fs.writeFileSync(lock, '');
    await expect(store.append('talk', { kind: 'note', text: 'x' })).rejects.toThrow(
      new RegExp(`locked by ${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*rm '`),
    );
    expect(store.readEvents(store.tipOf('talk')!)).toHaveLength(2);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    const warnings: string[] = [];
    const again = Store.open(store.dir, { now: clock(1_760_000_000_000), warn: (m) => warnings.push(m) });
    await again.append('talk', { kind: 'note', text: 'after the stale lock' });
    expect(warnings.join()).toContain('talk.lock');
    expect(fs.existsSync(lock)).toBe(false);
    expect(again.readEvents(again.tipOf('talk')!)).toHaveLength(3);
  }, 20_000);

  it('verify names the first tampered event: timeline, seq, commit, expected and found CID', async () => {
    const { dir, store, cids } = await sessionWith(6);
    const events = store.readEvents(store.tipOf('talk')!);
    const evil = { ...events[3].event, content: [{ type: 'text', text: 'I never said that' }] };
    const evilFile = path.join(tmpdir(), 'evil.cbor');
    fs.writeFileSync(evilFile, encode(evil));
    git(dir, ['checkout', '-q', '--detach', 'talk']);
    git(
      dir,
      ['filter-branch', '-f', '--tree-filter', `test -f events/000000/00/000000003.cbor && cp ${evilFile} events/000000/00/000000003.cbor || true`, 'talk'],
      {
        env: {
          ...process.env,
          FILTER_BRANCH_SQUELCH_WARNING: '1',
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      },
    );
    const fresh = Store.open(dir);
    const r = verifyTimeline(fresh, 'talk', fresh.tipOf('talk')!);
    const rewritten = resolveRev(fresh, 'talk@3').commit;
    expect(r.problem).toMatchObject({ timeline: 'talk', seq: 3, commit: rewritten, expected: cids[2] });
    expect(r.problem!.found).toMatch(/^bafyrei/);
    expect(r.problem!.found).not.toBe(cids[2]);
    // The timeline up to seq 2 is still sound.
    expect(verifyTimeline(fresh, 'talk', resolveRev(fresh, 'talk@2').commit).problem).toBeUndefined();
  });

  it('verify reports a corrupted object instead of crashing', async () => {
    const { store } = await sessionWith(4);
    const blob = store.eventBlobs(store.tipOf('talk')!)[2];
    // Find the pack that holds the event's blob (git show-index reads the .idx) and damage its data.
    const packDir = path.join(store.gitDir, 'objects', 'pack');
    let damaged = false;
    for (const idx of fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
      const row = git(packDir, ['show-index'], { input: fs.readFileSync(path.join(packDir, idx)) })
        .split('\n')
        .find((l) => l.includes(blob));
      if (!row) continue;
      const offset = Number(row.split(' ')[0]);
      const pack = path.join(packDir, idx.replace(/\.idx$/, '.pack'));
      fs.chmodSync(pack, 0o644);
      const buf = fs.readFileSync(pack);
      buf[offset + 12] ^= 0xff;
      fs.writeFileSync(pack, buf);
      damaged = true;
    }
    expect(damaged).toBe(true);
    const r = verifyTimeline(Store.open(store.dir), 'talk', store.tipOf('talk')!);
    expect(r.problem).toMatchObject({ seq: 2 });
    expect(r.problem!.message).toContain(blob);
  });

  it('a damaged pack index (truncated, empty, a bad fan-out) is a clear error, not a crash', async () => {
    const damage: Array<[string, (b: Buffer) => Buffer]> = [
      ['truncated', (b) => b.subarray(0, 100)],
      ['empty', () => Buffer.alloc(0)],
      ['cut before the checksums', (b) => b.subarray(0, b.length - 60)],
      ['fan-out', (b) => Buffer.concat([b.subarray(0, 8 + 128 * 4), Buffer.alloc(127 * 4, 0xff), b.subarray(8 + 255 * 4)])],
    ];
    for (const [what, f] of damage) {
      const { store } = await sessionWith(3);
      const packDir = path.join(store.gitDir, 'objects', 'pack');
      for (const idx of fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
        const file = path.join(packDir, idx);
        fs.chmodSync(file, 0o644);
        fs.writeFileSync(file, f(fs.readFileSync(file)));
      }
      const fresh = Store.open(store.dir);
      let error: unknown;
      try {
        fresh.readEvents(fresh.tipOf('talk')!);
      } catch (e) {
        error = e;
      }
      expect(error, what).toMatchObject({ code: 'E_OBJECT' });
      expect((error as Error).message, what).toMatch(/pack-[0-9a-f]{40} is corrupt: its \.idx/);
    }
  });

  it('nests forks under the timeline they left', async () => {
    const { store } = await sessionWith(5);
    const at2 = resolveRev(store, 'talk@2');
    await store.branch('talk-retry', at2.commit, 'talk');
    await store.append('talk-retry', { kind: 'note', text: 'other way' });
    const s = listSessions(store).find((x) => x.title === 'a talk')!;
    expect(s.timelines.map((t) => t.name)).toEqual(['talk']);
    expect(s.timelines[0].forks.map((f) => [f.name, f.forkSeq, f.length])).toEqual([['talk-retry', 2, 4]]);
    // A session started by a timeline (a subagent) names it in its genesis.
    await store.create('talk-agent', { kind: 'session', title: 'subtask', parent: { timeline: 'talk' } });
    const child = listSessions(store).find((x) => x.title === 'subtask');
    expect(child?.parent).toBe('talk');
    // Without agentlog's record (a plain git clone), the commit graph says the same.
    fs.rmSync(path.join(store.gitDir, 'agentlog', 'forks.json'));
    expect(
      listSessions(store)
        .find((x) => x.title === 'a talk')!
        .timelines[0].forks.map((f) => f.name),
    ).toEqual(['talk-retry']);
  });
});

describe('event cache', () => {
  it('caches big timelines, reuses an ancestor cache after appends, and never trusts a damaged one', async () => {
    const { store } = await sessionWith(1100);
    const tip = store.tipOf('talk')!;
    const first = store.readEvents(tip).map((e) => e.cid.toString());
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    expect(fs.readdirSync(cacheDir)).toEqual([`${tip}.events`]);
    expect(
      Store.open(store.dir)
        .readEvents(tip)
        .map((e) => e.cid.toString()),
    ).toEqual(first);
    // Newer commits start from the cached ancestor and read only what is new.
    await store.append('talk', { kind: 'note', text: 'after the cache' });
    const more = Store.open(store.dir).readEvents(store.tipOf('talk')!);
    expect(more.map((e) => e.cid.toString()).slice(0, -1)).toEqual(first);
    expect(more[more.length - 1].event.text).toBe('after the cache');
    // Flip a byte inside a cached event's text: the checksum fails, git is read instead.
    const file = path.join(cacheDir, `${tip}.events`);
    const buf = fs.readFileSync(file);
    const at = buf.indexOf(Buffer.from('line 500'));
    buf[at + 5] = '9'.charCodeAt(0);
    fs.writeFileSync(file, buf);
    const again = Store.open(store.dir).readEvents(tip);
    expect(again.map((e) => e.cid.toString())).toEqual(first);
    expect(JSON.stringify(again[500].event.content)).toContain('line 500');
  });

  it('a growing timeline read again and again gets a new cache file only every 128 events, replacing the old one', async () => {
    const { store } = await sessionWith(1100);
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    const files = () => fs.readdirSync(cacheDir).sort();
    const appendN = (name: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => store.append(name, { kind: 'note', text: `more ${i}` })));
    const t1 = store.tipOf('talk')!;
    Store.open(store.dir).readEvents(t1);
    expect(files()).toEqual([`${t1}.events`]);
    await appendN('talk', 5);
    const read2 = Store.open(store.dir).readEvents(store.tipOf('talk')!);
    expect(read2).toHaveLength(1106);
    expect(read2[1105].event.text).toBe('more 4');
    expect(files()).toEqual([`${t1}.events`]); // five past the cache: read from it and git, nothing written
    await appendN('talk', 200);
    const t3 = store.tipOf('talk')!;
    expect(Store.open(store.dir).readEvents(t3)).toHaveLength(1306);
    expect(files()).toEqual([`${t3}.events`]); // superseded, and no timeline ends at t1
    // A cache file at a commit where a timeline still ends stays.
    await store.branch('side', t3);
    await appendN('talk', 200);
    const t4 = store.tipOf('talk')!;
    expect(Store.open(store.dir).readEvents(t4)).toHaveLength(1506);
    expect(files()).toEqual([`${t3}.events`, `${t4}.events`].sort());
    expect(
      Store.open(store.dir)
        .readEvents(t3)
        .map((e) => e.cid.toString()),
    ).toEqual(
      Store.open(store.dir)
        .readEvents(t4)
        .slice(0, 1306)
        .map((e) => e.cid.toString()),
    );
  });

  it('events read from the cache equal the events read from git, long and non-ASCII strings included', async () => {
    const { store } = await sessionWith(0);
    const pending = [];
    for (let i = 1; i <= 1100; i++) {
      const text = i % 3 === 0 ? `tool output ${i} `.repeat(1 + (i % 50)) : i % 3 === 1 ? `naïve café ${i} — ünïcode `.repeat(1 + (i % 7)) : `short ${i}`;
      pending.push(
        store.append('talk', {
          kind: 'message',
          role: 'user',
          content: [
            { type: 'text', text },
            { type: 'tool_result', content: 'x'.repeat(60 + (i % 10)) },
          ],
          meta: { ['k'.repeat(1 + (i % 30))]: i },
        }),
      );
    }
    await Promise.all(pending);
    const tip = store.tipOf('talk')!;
    const fromGit = Store.open(store.dir).readEvents(tip); // no cache yet: objects, then the cache is written
    expect(fs.existsSync(path.join(store.gitDir, 'agentlog', 'cache', `${tip}.events`))).toBe(true);
    const fromCache = Store.open(store.dir).readEvents(tip);
    expect(fromCache.map((e) => e.event)).toEqual(fromGit.map((e) => e.event));
    expect(fromCache.map((e) => Buffer.from(e.bytes).toString('hex'))).toEqual(fromGit.map((e) => Buffer.from(e.bytes).toString('hex')));
  });
});

describe('event summaries (commit subjects, log lines)', () => {
  // The plain definition: the first width × 8 + 64 characters, collapsed, cut to `width` code points.
  const reference = (text: string, width: number) => {
    // eslint-disable-next-line no-control-regex
    const flat = text
      .slice(0, width * 8 + 64)
      .replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const chars = Array.from(flat);
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : flat;
  };

  it('cut to 72 code points with control characters and runs of space collapsed, as the plain definition', () => {
    const samples = [
      'short',
      '  many   spaces\tand\nnewlines\r\n ',
      'x'.repeat(71),
      'x'.repeat(72),
      'x'.repeat(73),
      '😀'.repeat(71),
      '😀'.repeat(72),
      '😀'.repeat(73),
      `a${'😀'.repeat(80)}`,
      `${'x'.repeat(71)}😀😀`,
      `${'é'.repeat(100)}\u2028end`,
      '\ud83d lone surrogate '.repeat(10),
      '\ude00\ud83d'.repeat(50),
      `${' '.repeat(600)}${'word '.repeat(50)}`,
    ];
    for (const text of samples) expect(oneLine(text, 72), JSON.stringify(text.slice(0, 40))).toBe(reference(text, 72));
  });

  it('reads only the start of a long text', () => {
    const big = `${'line of tool output '.repeat(5000)}`;
    const event = { v: 1, kind: 'message', seq: 1, prev: null, ts: 0, role: 'user', content: [{ type: 'tool_result', content: big }] } as unknown as Event;
    expect(summarize(event)).toBe(reference(`user: ← ${big}`, 72));
    const text = {
      ...event,
      content: [
        { type: 'text', text: 'first' },
        { type: 'text', text: big },
      ],
    } as unknown as Event;
    expect(summarize(text)).toBe(reference(`user: first\n${big}`, 72));
  });
});

describe('git pack format pieces', () => {
  it('a stored zlib block carries the same Adler-32 as zlib computes, at every size edge', () => {
    for (const n of [0, 1, 5551, 5552, 5553, 11104, 65535]) {
      for (const fill of [0x00, 0xff, -1]) {
        const data = new Uint8Array(n);
        for (let i = 0; i < n; i++) data[i] = fill >= 0 ? fill : (i * 7919 + (i >> 3)) & 0xff;
        const stored = zlibStored(data);
        expect(stored.subarray(-4).toString('hex'), `${n} bytes of ${fill}`).toBe(deflateSync(data).subarray(-4).toString('hex'));
        expect(inflateSync(stored).equals(Buffer.from(data))).toBe(true);
        expect(unwrapStored(stored)?.equals(Buffer.from(data))).toBe(true);
      }
    }
  });
});

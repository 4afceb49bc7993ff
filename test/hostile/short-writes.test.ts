import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Issue 17, points 1 and 10: a write the file system stops part-way (a file-size limit, a full disk)
// must fail the append loudly (E_IO, exit 1, no CID) and leave the store as it was. These run the
// built CLI (dist/) in a child under `ulimit -f` (bash counts in 1024-byte blocks; Node ignores
// SIGXFSZ, so the write that crosses the limit comes back short and the next fails with EFBIG).
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');

function run(dir: string, args: string[], limitBlocks?: number, env: NodeJS.ProcessEnv = {}) {
  const script = `${limitBlocks === undefined ? '' : `ulimit -f ${limitBlocks}; `}exec "$NODE" "$BIN" "$@"`;
  const r = spawnSync('bash', ['-c', script, 'bash', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NODE: process.execPath, BIN, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function storeWithEvents(): Promise<{ dir: string; cids: string[] }> {
  const dir = path.join(tmpdir('agentlog-short-'), 'store');
  const { store } = Store.init(dir, { now: clock() });
  const cids = [(await store.create('talk', { kind: 'session', title: 'short writes' })).cid.toString()];
  for (let i = 0; i < 5; i++)
    cids.push((await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text: `kept ${i}` }] })).cid.toString());
  return { dir, cids };
}

/** The store is intact: git fsck --strict clean, every event readable in a new process, verify exit 0. */
function expectIntact(dir: string, cids: string[]): void {
  git(dir, ['fsck', '--strict', '--no-progress']);
  const store = Store.open(dir);
  const events = store.readEvents(store.tipOf('talk')!);
  expect(events.map((e) => e.cid.toString())).toEqual(cids);
  const verify = run(dir, ['verify']);
  expect(verify.code, verify.err).toBe(0);
  const left = fs.readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((n) => n.startsWith('tmp_') || n.endsWith('.keep'));
  expect(left).toEqual([]);
}

describe('short writes and I/O errors on the append path (issue 17: 1, 10)', () => {
  // Which file the limit stops: the pack's .keep (nothing may be written), the .idx (a small event's
  // pack fits in 1 KiB, its index does not), or the .pack (an event bigger than the limit).
  const cases = [
    { blocks: 0, text: 'tiny', hits: /\.keep/ },
    { blocks: 1, text: 'small', hits: /\.idx/ },
    { blocks: 2, text: randomBytes(3000).toString('base64'), hits: /\.pack/ },
    { blocks: 8, text: randomBytes(12000).toString('base64'), hits: /\.pack/ },
  ];
  for (const c of cases) {
    it(`ulimit -f ${c.blocks} (${c.text.length}-byte event): exit 1, an E_IO error naming the file and the store, no CID, store intact`, async () => {
      const { dir, cids } = await storeWithEvents();
      const r = run(dir, ['append', 'talk', '--role', 'user', '--text', c.text], c.blocks);
      expect(r.code, r.err).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(c.hits);
      expect(r.err).toMatch(/file-size limit|disk is full/);
      expect(r.err).toContain('nothing was appended to timeline talk');
      expect(r.err).toContain(fs.realpathSync(dir));
      expect(r.err).not.toMatch(/internal error|^\s+at /m);
      expectIntact(dir, cids);
      // And the store takes the next append once the limit is gone.
      const ok = run(dir, ['append', 'talk', '--role', 'user', '--text', 'after']);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toMatch(/^b[a-z2-7]+\n$/);
    });
  }

  it('JSONL under a limit that one batch passes: the batch is not appended, exit 1, store intact', async () => {
    const { dir, cids } = await storeWithEvents();
    const file = path.join(dir, '..', 'events.jsonl');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ kind: 'note', text: `${i} ${randomBytes(200).toString('base64')}` }));
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = run(dir, ['append', 'talk', '--json', file], 4);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('nothing was appended');
    // Whatever was printed was appended: those CIDs are on the timeline, in order, after the old ones.
    const printed = r.out.split('\n').filter(Boolean);
    expectIntact(dir, [...cids, ...printed]);
  });

  it('objects/pack not writable (a file in its place: chmod does not stop root): E_IO naming it, exit 1, nothing appended', async () => {
    const dir = path.join(tmpdir('agentlog-short-'), 'store');
    const { store } = Store.init(dir, { now: clock(), objectWrites: 'loose' });
    const cids = [(await store.create('talk', { kind: 'session' })).cid.toString()];
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    fs.rmSync(packDir, { recursive: true, force: true });
    fs.writeFileSync(packDir, 'not a folder');
    const r = run(dir, ['append', 'talk', '--role', 'user', '--text', 'hello']);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(path.join(fs.realpathSync(dir), '.git', 'objects', 'pack'));
    expect(r.err).toMatch(/a file is in the way/);
    expect(r.err).toContain('nothing was appended to timeline talk');
    fs.rmSync(packDir);
    fs.mkdirSync(packDir);
    expectIntact(dir, cids);
  });
});

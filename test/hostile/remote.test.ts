import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createDeflate, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../core/codec/dagcbor.js';
import { cidOf, parseCid } from '../../core/codec/cid.js';
import { objectHeader } from '../../core/git/pack/format.js';
import { Store } from '../../core/store/store.js';
import { eventPath } from '../../core/store/layout.js';
import { timelineHeads } from '../../core/sync/check.js';
import { parseRefLine } from '../../core/sync/http.js';
import { pull } from '../../core/sync/pull.js';
import { cli as runCli, cliOk, storeWithSession } from '../helpers/cli.js';
import { type GitHttpServer, startGitHttpServer } from '../helpers/git-http-server.js';
import { snapshot } from '../helpers/snapshot.js';
import { expectClearFailure } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';

/**
 * A hostile remote (issue 17, points 11–16 and the sync half of 6): a real git server (git
 * http-backend) serving crafted branches, and a fake smart-HTTP server on 127.0.0.1 answering
 * endless, inflated, compressed and broken answers. Everything it sends is refused with a clear
 * error or skipped with a warning naming it, memory stays bounded, the store stays intact.
 */

const HOME = tmpdir('agentlog-hostile-remote-home-');
const ENV: NodeJS.ProcessEnv = { ...process.env, HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(HOME, 'gitconfig'), AGENTLOG_TOKEN: '' };
const MiB = 1 << 20;

const pkt = (s: string | Buffer): Buffer => {
  const body = Buffer.from(s);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
};
const FLUSH = Buffer.from('0000');
const NAK = pkt('NAK\n');
const CAPS = 'multi_ack ofs-delta side-band-64k no-progress';
const advertise = (refs: Array<[string, string]>) =>
  Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, ...refs.map(([oid, ref], i) => pkt(`${oid} ${ref}${i === 0 ? `\0${CAPS}` : ''}\n`)), FLUSH]);

function packOf(entries: Buffer[]): Buffer {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  head.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([head, ...entries]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** zlib data that inflates to `size` zero bytes (small on the wire), made without holding them. */
async function zlibBomb(size: number): Promise<Buffer> {
  const z = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const chunk = Buffer.alloc(16 * MiB);
  for (let n = 0; n < size; n += chunk.length) {
    if (!z.write(chunk)) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

const rssGrowth = (before: number) => process.memoryUsage().rss - before;

// ---------------------------------------------------------------------------------------------------
// A real git server with crafted branches (points 11, 14, 15)

let source: { dir: string; name: string };
let sourceGit: string;
let gitServer: GitHttpServer;
/** A second remote, extend.git: the source timeline as it is, and (in hostile.git) a broken extension of it. */
let extendRepo: string;
let hostileRepo: string;
/** name → why it must be skipped */
const HOSTILE: Record<string, string> = {};

function commitTree(repo: string, tree: string, parents: string[], message: string): string {
  return git(repo, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])], { input: message }).trim();
}

/** A tree object from raw entries (names taken as given: no check of ours or git's). */
function rawTree(repo: string, entries: Array<{ mode: string; name: string; oid: string }>): string {
  const key = (e: { mode: string; name: string }) => (e.mode === '40000' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
  const body = Buffer.concat(sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')])));
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: repo, input: body, encoding: 'utf8' }).trim();
}

function blob(repo: string, content: string | Uint8Array): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, input: Buffer.from(content), encoding: 'utf8' }).trim();
}

function setRef(repo: string, name: string, oid: string): void {
  const file = path.join(repo, 'refs', 'heads', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${oid}\n`);
}

beforeAll(async () => {
  source = await storeWithSession({ title: 'Hostile source', messages: ['one', 'two', 'three'], env: ENV });
  sourceGit = path.join(source.dir, '.agentlog', '.git');
  const root = tmpdir('agentlog-hostile-remote-root-');
  gitServer = await startGitHttpServer(root);
  const repo = path.join(root, 'hostile.git');
  git(root, ['clone', '--bare', '--quiet', sourceGit, repo]);
  const tip = git(repo, ['rev-parse', `refs/heads/${source.name}`]).trim();
  const chain = git(repo, ['rev-list', '--first-parent', '--reverse', tip]).trim().split('\n');
  const n = chain.length; // events 0 … n-1
  const msgOf = (c: string) => git(repo, ['cat-file', 'commit', c]).split('\n\n').slice(1).join('\n\n');
  const treeOf = (c: string) => git(repo, ['rev-parse', `${c}^{tree}`]).trim();
  const cid0 = /Agentlog-Event: (\S+)/.exec(msgOf(chain[0]))![1];

  // 11: the tip event's CID, seq or prev wrong.
  setRef(repo, 'wrong-cid', commitTree(repo, treeOf(tip), [chain[n - 2]], msgOf(tip).replace(/Agentlog-Event: \S+/, `Agentlog-Event: ${cid0}`)));
  HOSTILE['wrong-cid'] = 'I5';
  setRef(repo, 'wrong-seq', commitTree(repo, treeOf(tip), [chain[n - 2]], msgOf(tip).replace(/Agentlog-Seq: \d+/, 'Agentlog-Seq: 7')));
  HOSTILE['wrong-seq'] = 'I5';
  const bad = encode({ v: 1, kind: 'message', seq: n, prev: parseCid(cid0), ts: 1_750_000_000_000, text: 'prev points at genesis' });
  const index = path.join(tmpdir(), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  git(repo, ['read-tree', tip], { env });
  git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob(repo, bad)},events/${eventPath(n).join('/')}`], { env });
  const prevTree = git(repo, ['write-tree'], { env }).trim();
  setRef(repo, 'broken-prev', commitTree(repo, prevTree, [tip], `message: x\n\nAgentlog-Event: ${cidOf(bad)}\nAgentlog-Seq: ${n}\n`));
  HOSTILE['broken-prev'] = 'I7';
  hostileRepo = repo;
  extendRepo = path.join(root, 'extend.git');
  git(root, ['clone', '--bare', '--quiet', sourceGit, extendRepo]);

  // 15: the root tree holds more than events/, at the tip or deeper.
  const rootOf = (c: string) =>
    git(repo, ['ls-tree', treeOf(c)])
      .trim()
      .split('\n')
      .map((l) => {
        const [meta, name] = l.split('\t');
        const [mode, , oid] = meta.split(' ');
        return { mode: mode === '040000' ? '40000' : mode, name, oid };
      });
  const config = rawTree(repo, [{ mode: '100644', name: 'config', oid: blob(repo, '[core]\n\thooksPath = /tmp\n') }]);
  const extras: Record<string, { mode: string; name: string; oid: string }> = {
    'root-dotgit': { mode: '40000', name: '.git', oid: config },
    'root-dotdot': { mode: '40000', name: '..', oid: config },
    'root-dot': { mode: '40000', name: '.', oid: config },
    'root-escape': { mode: '100644', name: '../escaped.txt', oid: blob(repo, 'escaped\n') },
    'root-symlink': { mode: '120000', name: 'link', oid: blob(repo, '/etc') },
  };
  for (const [branch, extra] of Object.entries(extras)) {
    setRef(repo, branch, commitTree(repo, rawTree(repo, [...rootOf(tip), extra]), [chain[n - 2]], msgOf(tip)));
    HOSTILE[branch] = 'root tree';
  }
  // Deeper: the genesis commit's root holds .git/, every later commit is clean.
  let parent = commitTree(repo, rawTree(repo, [...rootOf(chain[0]), extras['root-dotgit']]), [], msgOf(chain[0]));
  for (const c of chain.slice(1)) parent = commitTree(repo, treeOf(c), [parent], msgOf(c));
  setRef(repo, 'deep-dotgit', parent);
  HOSTILE['deep-dotgit'] = 'root tree';

  // 14: names that are no timeline names, each on a perfectly good timeline.
  for (const name of ['good@1', '-rf', 'HEAD', cid0, 'x'.repeat(210)]) {
    setRef(repo, name, tip);
    HOSTILE[name] = 'name';
  }
}, 60_000);

afterAll(async () => {
  await gitServer?.close();
});

describe('a pull adopts only what it has verified; the rest syncs', () => {
  it('skips every crafted branch with a warning naming it, adopts the good timeline, and verify passes', async () => {
    const target = await storeWithSession({ title: 'Mine', env: ENV });
    const url = `${gitServer.url}/hostile.git`;
    await cliOk(target.dir, ['remote', 'add', 'origin', url], { env: ENV });
    const store = Store.open(path.join(target.dir, '.agentlog'));
    const warnings: string[] = [];
    const report = await pull(store, 'origin', { env: ENV, warn: (m) => warnings.push(m) });

    expect(report.timelines.map((t) => [t.name, t.status])).toEqual([[source.name, 'new']]);
    const skipped = new Map((report.skipped ?? []).map((s) => [s.name, s.reason]));
    for (const [name, kind] of Object.entries(HOSTILE)) {
      expect(skipped.has(name), `${name} was not skipped: ${JSON.stringify(report)}`).toBe(true);
      expect(
        warnings.some((w) => w.includes(JSON.stringify(name))),
        name,
      ).toBe(true);
      if (kind.startsWith('I')) expect(skipped.get(name)).toContain(`[${kind}]`);
      if (kind === 'root tree') expect(skipped.get(name)).toMatch(/root tree, where only events\/ may be/);
      expect(store.readRef(`refs/heads/${name}`), name).toBeUndefined();
      expect(store.readRef(`refs/remotes/origin/${name}`), name).toBeUndefined();
    }
    // Only the good timeline and the store's own are here, and verify calls the store clean.
    expect([...store.timelines().keys()].sort()).toEqual([source.name, target.name].sort());
    await cliOk(target.dir, ['verify'], { env: ENV });

    // A second pull refuses them again (their objects are here now, still unverified for a ref).
    const again = await pull(store, 'origin', { env: ENV, warn: () => {} });
    expect(new Set((again.skipped ?? []).map((s) => s.name))).toEqual(new Set(Object.keys(HOSTILE)));
    expect([...store.timelines().keys()].sort()).toEqual([source.name, target.name].sort());
  }, 60_000);
});

describe('a pull verifies what is new after the timeline it already holds', () => {
  it('a broken event on top of a timeline the store holds is refused; only the new commits are read (the held ones are trusted)', async () => {
    const url = `${gitServer.url}/extend.git`;
    const target = tmpdir('agentlog-hostile-extend-');
    await cliOk(target, ['clone', url, 'store'], { env: ENV });
    const store = Store.open(path.join(target, 'store'));
    const held = store.tipOf(source.name);
    expect(held).toBeDefined();
    // The remote's timeline now goes on with an event whose prev skips back to genesis.
    git(extendRepo, ['fetch', '--quiet', '--force', hostileRepo, `refs/heads/broken-prev:refs/heads/${source.name}`]);
    const warnings: string[] = [];
    const report = await pull(store, 'origin', { env: ENV, warn: (m) => warnings.push(m) });
    const skipped = new Map((report.skipped ?? []).map((s) => [s.name, s.reason]));
    expect(skipped.get(source.name), JSON.stringify(report)).toContain('[I7]');
    expect(store.tipOf(source.name)).toBe(held);
    expect(warnings.join('\n')).toContain(JSON.stringify(source.name));
  }, 60_000);
});

describe('the ref advertisement is parsed exactly', () => {
  const url = 'http://127.0.0.1:1/x.git';
  it('keeps a ref name whole (not cut at its first space), and such a name is skipped', () => {
    const oid = 'a'.repeat(40);
    expect(parseRefLine(`${oid} refs/heads/good extra`, false, url)).toEqual({ oid, name: 'refs/heads/good extra' });
    const skipped: Array<{ name: string; reason: string }> = [];
    expect([...timelineHeads(new Map([['good extra', oid]]), skipped).keys()]).toEqual([]);
    expect(skipped.map((s) => s.name)).toEqual(['good extra']);
  });

  it('refuses an object id that is not 40 lowercase hex digits before any use', () => {
    for (const bad of ['../../../../etc/hostname', 'A'.repeat(40), `${'a'.repeat(39)}/`, 'a'.repeat(41)]) {
      expect(() => parseRefLine(`${bad} refs/heads/x`, false, url), bad).toThrow(/not "<40 hex digits> <ref name>"/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A fake server (points 12, 13, 14, 16)

const FAKE_OID = 'c'.repeat(40);
let fake: http.Server;
let base: string;
let realPack: Buffer;
let realTip: string;
let dropNext = 0;
const shapes: Record<string, { refs?: (res: http.ServerResponse) => void; upload?: (res: http.ServerResponse) => void }> = {};

/** Write `total` bytes made by `make(i)` chunk by chunk, waiting for the client; stops when it hangs up. */
async function stream(res: http.ServerResponse, total: number, make: (i: number) => Buffer): Promise<void> {
  let sent = 0;
  for (let i = 0; sent < total && !res.destroyed; i++) {
    const c = make(i);
    sent += c.length;
    if (!res.write(c))
      await new Promise((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
  }
  res.end();
}

beforeAll(async () => {
  realTip = git(sourceGit, ['rev-parse', `refs/heads/${source.name}`]).trim();
  realPack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], { cwd: sourceGit, input: `${realTip}\n` });
  const ad =
    (oid: string, ref = 'refs/heads/fake') =>
    (res: http.ServerResponse) =>
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertise([[oid, ref]]));
  const result = (body: Buffer) => (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).end(body);
  const bomb = await zlibBomb(512 * MiB); // a few hundred KiB on the wire
  const line = pkt(`${FAKE_OID} refs/heads/${'n'.repeat(900)}\n`);

  shapes['endless-advertisement'] = {
    refs: (res) => {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.write(Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, pkt(`${FAKE_OID} refs/heads/a\0${CAPS}\n`)]));
      const chunk = Buffer.concat(new Array(1024).fill(line));
      void stream(res, 600 * MiB, () => chunk);
    },
  };
  shapes['endless-pack'] = {
    refs: ad(FAKE_OID),
    upload: (res) => {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
      res.write(Buffer.concat([NAK, Buffer.from('PACK\0\0\0\x02\x7f\xff\xff\xff')]));
      const chunk = Buffer.alloc(MiB, 0x30);
      void stream(res, 600 * MiB, () => chunk);
    },
  };
  shapes['bomb-lying-header'] = { refs: ad(FAKE_OID), upload: result(Buffer.concat([NAK, packOf([Buffer.concat([objectHeader(3, 100), bomb])])])) };
  shapes['bomb-honest-header'] = { refs: ad(FAKE_OID), upload: result(Buffer.concat([NAK, packOf([Buffer.concat([objectHeader(3, 512 * MiB), bomb])])])) };
  shapes['size-lies-short'] = {
    refs: ad(FAKE_OID),
    upload: result(Buffer.concat([NAK, packOf([Buffer.concat([objectHeader(3, 10), deflateSync(Buffer.from('hello'))])])])),
  };
  shapes['gzip-answer'] = {
    refs: (res) =>
      res
        .writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'content-encoding': 'gzip' })
        .end(gzipSync(advertise([[FAKE_OID, 'refs/heads/a']]))),
  };
  shapes['id-is-a-path'] = { refs: ad('../../../../etc/hostname') };
  shapes.drop = {
    refs: ad(realTip, `refs/heads/${source.name}`),
    upload: (res) => {
      if (dropNext-- <= 0) return result(Buffer.concat([NAK, realPack]))(res);
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result', 'content-length': String(NAK.length + realPack.length) });
      res.write(Buffer.concat([NAK, realPack.subarray(0, realPack.length >> 1)]), () => res.destroy());
    },
  };

  fake = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const shape = shapes[url.pathname.split('/')[1]?.replace(/\.git$/, '') ?? ''];
    req.resume();
    req.on('end', () => {
      if (shape?.refs && url.pathname.endsWith('/info/refs')) shape.refs(res);
      else if (shape?.upload && url.pathname.endsWith('/git-upload-pack')) shape.upload(res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  fake?.closeAllConnections();
  await new Promise<void>((resolve) => (fake ? fake.close(() => resolve()) : resolve()));
});

describe('bounded memory and clear refusals for what a remote sends', () => {
  let store: { dir: string; gitDir: string };
  let before: string;
  const env = { ...ENV, AGENTLOG_MAX_PACK_BYTES: String(64 * MiB) };
  beforeAll(async () => {
    const s = await storeWithSession({ title: 'Untouched', messages: ['hello'], env: ENV });
    store = { dir: s.dir, gitDir: path.join(s.dir, '.agentlog', '.git') };
    for (const shape of Object.keys(shapes)) await cliOk(s.dir, ['remote', 'add', shape, `${base}/${shape}.git`], { env: ENV });
    before = snapshot(store.gitDir);
  }, 60_000);

  const cases: Array<[string, RegExp]> = [
    ['endless-advertisement', /more than 16\.0 MiB as its ref advertisement/],
    ['endless-pack', /more than 64\.0 MiB as a pack.*AGENTLOG_MAX_PACK_BYTES/],
    ['bomb-lying-header', /inflates to more than the 100 bytes its header declares/],
    ['bomb-honest-header', /declares 536870912 bytes, more than the \d+ allowed/],
    ['size-lies-short', /inflates to 5 bytes, not the 10 its header declares/],
    ['gzip-answer', /gzip-encoded answer/],
    ['id-is-a-path', /not "<40 hex digits> <ref name>"/],
  ];
  for (const [shape, why] of cases) {
    it(`refuses ${shape} (pull and clone), memory bounded, store unchanged`, async () => {
      const url = `${base}/${shape}.git`;
      const rss = process.memoryUsage().rss;
      const pulled = await runCli(store.dir, ['pull', shape], { env });
      expectClearFailure(pulled, 'pull', url, why);
      expect(snapshot(store.gitDir)).toBe(before);
      const where = tmpdir();
      const cloned = await runCli(where, ['clone', url, 'here'], { env });
      expectClearFailure(cloned, 'clone', url, why);
      expect(fs.existsSync(path.join(where, 'here'))).toBe(false);
      expect(rssGrowth(rss), 'rss growth').toBeLessThan(300 * MiB);
    }, 120_000);
  }

  it('a connection dropped halfway through the pack ends pull and clone with one line naming the remote; a retry works', async () => {
    const url = `${base}/drop.git`;
    dropNext = 2;
    const pulled = await runCli(store.dir, ['pull', 'drop'], { env });
    expectClearFailure(pulled, 'pull', url, /broke off its answer/);
    expect(snapshot(store.gitDir)).toBe(before);
    const where = tmpdir();
    const cloned = await runCli(where, ['clone', url, 'here'], { env });
    expectClearFailure(cloned, 'clone', url, /broke off its answer/);
    expect(fs.existsSync(path.join(where, 'here'))).toBe(false);
    // The server answers whole again: the same pull now works.
    const again = await runCli(store.dir, ['pull', 'drop'], { env });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(source.name);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// Point 6 (sync half): linear parsing of untrusted text, in a child process that must finish

describe('sync parses untrusted text in linear time', () => {
  it('a 300 KB rejection reason, URL of slashes, scp-like URL of "@" and clone URL complete', () => {
    const dist = path.resolve(__dirname, '../../dist/core/sync');
    const script = `
      const { rejectionReason } = await import(${JSON.stringify(path.join(dist, 'transport.js'))});
      const { HttpRemote } = await import(${JSON.stringify(path.join(dist, 'http.js'))});
      const { normalizeUrl } = await import(${JSON.stringify(path.join(dist, 'remotes.js'))});
      const { defaultCloneDir } = await import(${JSON.stringify(path.join(dist, 'clone.js'))});
      const n = 300000;
      const out = [];
      out.push(rejectionReason('[remote rejected] ' + '('.repeat(n)) === undefined);
      out.push(rejectionReason('[remote rejected] (hook declined)') === 'hook declined');
      out.push(new HttpRemote('http://127.0.0.1/' + '/'.repeat(n) + 'a').url.length > n);
      out.push(typeof normalizeUrl('@'.repeat(n), '/tmp') === 'string');
      out.push(defaultCloneDir('/'.repeat(n) + 'x' + '/'.repeat(n)) === 'x');
      console.log(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'the child did not finish in 60 s').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([true, true, true, true, true]);
  }, 90_000);
});

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidOf } from '../../core/codec/cid.js';
import { cli as runCli, cliOk, storeWithSession } from '../helpers/cli.js';
import { snapshot } from '../helpers/snapshot.js';
import { expectClearFailure } from '../helpers/sync.js';
import { tmpdir } from '../helpers/tmp.js';

/**
 * A remote that answers garbage: a fake smart-HTTP server on 127.0.0.1 whose every repository
 * (`/SHAPE.git`) answers one shape of broken git protocol. `agentlog pull` and `agentlog clone` must
 * each fail with exit code 1 and one line naming the remote, never an internal error, and change
 * nothing here.
 */

const HOME = tmpdir('agentlog-hostile-home-');
const ENV: NodeJS.ProcessEnv = { ...process.env, HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(HOME, 'gitconfig'), AGENTLOG_TOKEN: '' };

const pkt = (s: string | Buffer): Buffer => {
  const body = Buffer.from(s);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
};
const FLUSH = Buffer.from('0000');

const OBJ = { commit: 1, tree: 2, blob: 3, 'ofs-delta': 6 } as const;
const oidOf = (type: 'commit' | 'tree' | 'blob', content: Buffer) => createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');

/**
 * A version-2 pack of `objects` (their zlib data as given in `raw`, else deflated; an `ofs-delta`
 * names the index of its base in `base`), with a correct trailer.
 */
function packOf(objects: Array<{ type: keyof typeof OBJ; content: Buffer; raw?: Buffer; base?: number }>): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)];
  parts[2].writeUInt32BE(objects.length);
  const offsets: number[] = [];
  let offset = 12;
  for (const o of objects) {
    offsets.push(offset);
    let size = o.content.length;
    const head = [(OBJ[o.type] << 4) | (size & 15)];
    size >>= 4;
    while (size) {
      head[head.length - 1] |= 0x80;
      head.push(size & 0x7f);
      size >>= 7;
    }
    if (o.base !== undefined) head.push(offset - offsets[o.base]); // a back offset under 128: one byte
    const entry = Buffer.concat([Buffer.from(head), o.raw ?? deflateSync(o.content)]);
    parts.push(entry);
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** A git delta against a 5-byte base that claims to make 2^40 bytes (then inserts 3). */
const hugeDelta = Buffer.from([0x05, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x03, 0x61, 0x62, 0x63]);

/** A commit that looks like an agentlog event commit (trailers, seq 0) with the tree `tree`. */
const eventCommitOf = (tree: string) =>
  Buffer.from(
    `tree ${tree}\nauthor t <t@t> 1750000000 +0000\ncommitter t <t@t> 1750000000 +0000\n\nuser: hello\n\n` +
      `Agentlog-Event: ${cidOf(Buffer.from([0xa0])).toString()}\nAgentlog-Seq: 0\n`,
  );
/** One whose tree is nowhere. */
const eventCommit = eventCommitOf('7'.repeat(40));
const garbageTree = Buffer.from('garbage, not tree entries');
const commitOnGarbageTree = eventCommitOf(oidOf('tree', garbageTree));
const garbageCommit = Buffer.from('this is not a commit at all\n');

const BRANCH = 'fix-login-1a2b3c4d';
const advertise = (oid: string) =>
  Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, pkt(`${oid} refs/heads/${BRANCH}\0multi_ack ofs-delta side-band-64k no-progress\n`), FLUSH]);
const NAK = pkt('NAK\n');
const V2 = Buffer.concat([pkt('version 2\n'), pkt('agent=git/2.39\n'), pkt('ls-refs=unborn\n'), pkt('fetch=shallow\n'), FLUSH]);

interface Shape {
  /** The answer to GET /info/refs?service=git-upload-pack (content type right unless `type`). */
  refs: Buffer | 'cut';
  /** The answer to POST /git-upload-pack. */
  upload?: Buffer;
}

const goodPack = packOf([{ type: 'commit', content: eventCommit }]);
const SHAPES: Record<string, Shape> = {
  'not-pkt-line': { refs: Buffer.from('<html><body>Welcome to our git server</body></html>\n') },
  'bad-pkt-length': { refs: Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, Buffer.from('00zz'), Buffer.from('garbage')]) },
  'pkt-length-past-end': { refs: Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, Buffer.from('fff0'), Buffer.from('short')]) },
  'service-line-only': { refs: pkt('# service=git-upload-pack\n') },
  'truncated-ref-line': { refs: advertise(oidOf('commit', eventCommit)).subarray(0, 60) },
  'advertisement-without-flush': { refs: advertise(oidOf('commit', eventCommit)).subarray(0, -4) },
  'response-cut-off': { refs: 'cut' },
  'garbage-pack': {
    refs: advertise(oidOf('commit', eventCommit)),
    upload: Buffer.concat([NAK, Buffer.from('PACK\0\0\0\x09garbage garbage garbage garbage garbage')]),
  },
  'truncated-pack': { refs: advertise(oidOf('commit', eventCommit)), upload: Buffer.concat([NAK, goodPack.subarray(0, goodPack.length - 30)]) },
  'pack-object-not-zlib': {
    refs: advertise(oidOf('commit', eventCommit)),
    upload: Buffer.concat([NAK, packOf([{ type: 'commit', content: eventCommit, raw: Buffer.from('not zlib data at all') }])]),
  },
  'delta-claims-huge-size': {
    refs: advertise(oidOf('commit', eventCommit)),
    upload: Buffer.concat([
      NAK,
      packOf([
        { type: 'blob', content: Buffer.from('hello') },
        { type: 'ofs-delta', content: hugeDelta, base: 0 },
      ]),
    ]),
  },
  'commit-garbage': { refs: advertise(oidOf('commit', garbageCommit)), upload: Buffer.concat([NAK, packOf([{ type: 'commit', content: garbageCommit }])]) },
  'tree-garbage': {
    refs: advertise(oidOf('commit', commitOnGarbageTree)),
    upload: Buffer.concat([
      NAK,
      packOf([
        { type: 'commit', content: commitOnGarbageTree },
        { type: 'tree', content: garbageTree },
      ]),
    ]),
  },
  'commit-tree-missing': { refs: advertise(oidOf('commit', eventCommit)), upload: Buffer.concat([NAK, goodPack]) },
  'garbage-side-band': {
    refs: advertise(oidOf('commit', eventCommit)),
    upload: Buffer.concat([NAK, pkt('\x01\x00\x17garbage'), pkt('\x02remote: junk\n'), pkt('\x05??'), FLUSH]),
  },
  'bad-side-band-length': { refs: advertise(oidOf('commit', eventCommit)), upload: Buffer.concat([NAK, Buffer.from('\x01\x02\x03\x04garbage side band')]) },
  // Protocol v2 (issue 20): the capabilities, then the refs from ls-refs.
  'v2-without-ls-refs': { refs: Buffer.concat([pkt('version 2\n'), pkt('fetch=shallow\n'), FLUSH]) },
  'v2-capabilities-without-flush': { refs: Buffer.concat([pkt('version 2\n'), pkt('ls-refs=unborn\n')]) },
  'v2-ls-refs-garbage': { refs: V2, upload: Buffer.concat([pkt('not an id refs/heads/x\n'), FLUSH]) },
  'v2-ls-refs-without-flush': { refs: V2, upload: pkt(`${oidOf('commit', eventCommit)} refs/heads/${BRANCH}\n`) },
  'v2-ls-refs-error': { refs: V2, upload: pkt('ERR access denied\n') },
};

let server: http.Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}`);
    const shape = SHAPES[url.pathname.split('/')[1]?.replace(/\.git$/, '') ?? ''];
    req.resume();
    req.on('end', () => {
      if (!shape) {
        res.writeHead(404).end();
      } else if (url.pathname.endsWith('/info/refs')) {
        if (shape.refs === 'cut') {
          // Promise a long answer, send a little, hang up.
          res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'content-length': '5000' });
          res.write(pkt('# service=git-upload-pack\n'), () => res.destroy());
        } else {
          res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(shape.refs);
        }
      } else if (url.pathname.endsWith('/git-upload-pack') && shape.upload) {
        res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).end(shape.upload);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('sync rejects a remote that answers garbage, with one clear message, changing nothing', () => {
  let store: { dir: string; gitDir: string };
  let before: string;
  beforeAll(async () => {
    const s = await storeWithSession({ title: 'Untouched', messages: ['Login fails with 500'], env: ENV });
    store = { dir: s.dir, gitDir: path.join(s.dir, '.agentlog', '.git') };
    for (const shape of Object.keys(SHAPES)) await cliOk(s.dir, ['remote', 'add', shape, `${base}/${shape}.git`], { env: ENV });
    before = snapshot(store.gitDir);
  });

  for (const shape of Object.keys(SHAPES)) {
    it(`rejects ${shape} (pull and clone)`, async () => {
      const url = `${base}/${shape}.git`;
      const pulled = await runCli(store.dir, ['pull', shape], { env: ENV });
      expectClearFailure(pulled, 'pull', url);
      expect(snapshot(store.gitDir)).toBe(before);

      const where = tmpdir();
      const cloned = await runCli(where, ['clone', url, 'here'], { env: ENV });
      expectClearFailure(cloned, 'clone', url);
      expect(fs.existsSync(path.join(where, 'here'))).toBe(false);
    });
  }

  it('asked the server for packs (the pack shapes were reached)', () => {
    for (const shape of [
      'garbage-pack',
      'truncated-pack',
      'pack-object-not-zlib',
      'delta-claims-huge-size',
      'commit-garbage',
      'tree-garbage',
      'commit-tree-missing',
      'garbage-side-band',
      'bad-side-band-length',
    ]) {
      expect(requests).toContain(`POST /${shape}.git/git-upload-pack`);
    }
  });
});

/**
 * Reading packs (core/git/pack/packSet.ts) costs what is read, not the pack: positional reads on the
 * open pack, 256 KiB chunks shared by nearby reads, a lazily read .idx (idxFile.ts). Until issue 20
 * a pack was read whole into memory after 32 object reads, so listing a store or reading one short
 * history held every pack of the store.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';
import { objectHeader, packHeader, TYPE_CODE, zlibStored } from '../../core/git/pack/format.js';
import { buildIndex } from '../../core/git/pack/packIndex.js';
import { Store } from '../../core/store/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

const run = promisify(execFile);
const CHUNK = 256 << 10;

/** Write a pack of blobs (each stored, not deflated, so every entry's size is known) and its .idx into a new repository. */
function repoWithPack(contents: Buffer[]): { dir: string; oids: string[]; offsets: number[] } {
  const dir = tmpdir();
  git(dir, ['init', '-q', '--bare']);
  const parts: Buffer[] = [packHeader(contents.length)];
  const index: Array<{ oid: Buffer; crc: number; offset: number }> = [];
  const oids: string[] = [];
  const offsets: number[] = [];
  let offset = 12;
  for (const c of contents) {
    const entry = Buffer.concat([objectHeader(TYPE_CODE.blob, c.length), zlibStored(c)]);
    const oid = ObjectStore.hash('blob', c);
    oids.push(oid);
    offsets.push(offset);
    index.push({ oid: Buffer.from(oid, 'hex'), crc: crc32(entry) >>> 0, offset });
    parts.push(entry);
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  const sum = createHash('sha1').update(body).digest();
  const name = `pack-${sum.toString('hex')}`;
  const packDir = path.join(dir, 'objects', 'pack');
  fs.writeFileSync(path.join(packDir, `${name}.pack`), Buffer.concat([body, sum]));
  fs.writeFileSync(path.join(packDir, `${name}.idx`), buildIndex(index, sum));
  return { dir, oids, offsets };
}

describe('pack reads', () => {
  it('reads an entry whose header straddles the end of a chunk, and every object as git does', () => {
    // Entries of 1,013 bytes (a 2-byte header, 1,000 bytes stored in 1,011), one filler, then an entry at CHUNK - 1.
    const sized = (n: number, i: number) => Buffer.from(`${i}:`.padEnd(n, String.fromCharCode(97 + (i % 26))));
    const contents: Buffer[] = [];
    let offset = 12;
    while (CHUNK - 1 - offset > 1600) {
      contents.push(sized(1000, contents.length));
      offset += 1013;
    }
    const gap = CHUNK - 1 - offset;
    contents.push(sized(gap - 13, contents.length)); // header 2 + stored 11
    for (let i = 0; i < 400; i++) contents.push(sized(1000, contents.length));
    const { dir, oids, offsets } = repoWithPack(contents);
    expect(offsets).toContain(CHUNK - 1);
    git(dir, ['verify-pack', path.join(dir, 'objects', 'pack', fs.readdirSync(path.join(dir, 'objects', 'pack')).find((n) => n.endsWith('.idx'))!)]);
    const objects = new ObjectStore(dir);
    // In pack order (each read near the one before: chunks), then backwards, then one far off alone.
    for (const i of [...oids.keys(), ...[...oids.keys()].reverse()]) expect(objects.read(oids[i]).content.equals(contents[i])).toBe(true);
    const straddling = offsets.indexOf(CHUNK - 1);
    expect(new ObjectStore(dir).read(oids[straddling]).content.equals(contents[straddling])).toBe(true);
    expect(git(dir, ['cat-file', 'blob', oids[straddling]])).toBe(contents[straddling].toString());
  });

  it('reading a short history of a store with a 40 MiB pack holds far less than the pack', async () => {
    const dir = path.join(tmpdir(), 'store');
    const { store } = Store.init(dir, { now: clock() });
    await store.create('big', { kind: 'session', title: 'big' });
    // Text that deflate barely shrinks (random bytes in base64): 28 events of 2 MiB, then 100 small ones.
    for (let i = 0; i < 28; i++) await store.append('big', { kind: 'note', text: randomBytes(3 << 19).toString('base64') });
    for (let i = 0; i < 100; i++) await store.append('big', { kind: 'note', text: `small ${i}` });
    git(dir, ['repack', '-a', '-d', '-q']); // one pack, with deltas between trees
    const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), [path.resolve('test/helpers/readFewMemory.ts'), dir, 'big'], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as { rssBefore: number; maxRss: number; packBytes: number; packs: number; commits: number; kind: string };
    console.log(
      `a history of ${r.commits} commits read from a ${(r.packBytes / 2 ** 20).toFixed(1)} MiB pack: ${((r.maxRss - r.rssBefore) / 2 ** 20).toFixed(1)} MiB above the start`,
    );
    expect(r).toMatchObject({ packs: 1, commits: 129, kind: 'session' });
    expect(r.packBytes).toBeGreaterThan(40 << 20);
    expect(r.maxRss - r.rssBefore).toBeLessThan(r.packBytes / 4);
  }, 300_000);
});

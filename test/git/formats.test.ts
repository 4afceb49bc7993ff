import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cidFromBytes } from '../../core/codec/cid.js';
import { decode } from '../../core/codec/dagcbor.js';
import { isAgentlogError, type ErrorCode } from '../../core/errors.js';
import { parseCommit } from '../../core/git/commit.js';
import { corrupt, objectId } from '../../core/git/object.js';
import { ObjectStore } from '../../core/git/objects.js';
import { applyDelta, encodeOfsBack, objectHeader, OFS_DELTA, packHeader, REF_DELTA, TYPE_CODE, unwrapStored, zlibStored } from '../../core/git/pack/format.js';
import { indexPack } from '../../core/git/pack/indexPack.js';
import { buildIndex } from '../../core/git/pack/packIndex.js';
import { parseTree, serializeTree } from '../../core/git/tree.js';
import { tmpdir } from '../helpers/tmp.js';

/**
 * Malformed bytes fed to each git format parser: every one must end in an AgentlogError with its code
 * (never a plain Error, a RangeError from a read past the end, a stack overflow, or a hang).
 */
function expectError(run: () => unknown, code: ErrorCode, message?: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, 'no error was thrown').toBeDefined();
  expect(isAgentlogError(error), `not an AgentlogError: ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

const FAST = 5_000;
const OID_A = 'a'.repeat(40);
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest();
/** A pack from entries (header + data each), with its header and trailer. */
const pack = (count: number, ...entries: Buffer[]) => {
  const body = Buffer.concat([packHeader(count), ...entries]);
  return Buffer.concat([body, sha1(body)]);
};
const whole = (type: keyof typeof TYPE_CODE, content: Buffer) => Buffer.concat([objectHeader(TYPE_CODE[type], content.length), zlibStored(content)]);
/** A git delta: base size, result size, then raw op bytes. */
const delta = (baseSize: number, size: number, ...ops: number[]) => Buffer.from([baseSize, size, ...ops]);

describe('git formats reject malformed bytes with an AgentlogError', () => {
  it.each<[string, Buffer]>([
    ['an entry cut before its NUL', Buffer.from('100644 name')],
    ['an entry cut inside its id', Buffer.concat([Buffer.from('100644 name\0'), Buffer.alloc(10)])],
    ['no space after the mode', Buffer.from('100644\0')],
  ])('tree: %s', { timeout: FAST }, (_, bytes) => {
    expectError(() => parseTree(bytes, 'abc'), 'E_OBJECT', /git object abc is corrupt: a tree entry is truncated/);
  });

  it('tree: an entry whose id is not an object id cannot be written', { timeout: FAST }, () => {
    expectError(() => serializeTree([{ mode: '100644', name: 'x', oid: 'not-hex' }]), 'E_OBJECT', /tree entry x/);
  });

  it.each<[string, string, RegExp]>([
    ['empty', '', /no tree line/],
    ['a tree that is no id', 'tree xyz\nauthor a <a> 1 +0000\ncommitter a <a> 1 +0000\n\nm', /no tree line/],
    ['no author', `tree ${OID_A}\ncommitter a <a> 1 +0000\n\nm`, /no well-formed author line/],
    ['a committer without a date', `tree ${OID_A}\nauthor a <a> 1 +0000\ncommitter a <a>\n\nm`, /no well-formed committer line/],
  ])('commit: %s', { timeout: FAST }, (_, text, why) => {
    expectError(() => parseCommit(Buffer.from(text), 'c0ffee'), 'E_OBJECT', why);
    expectError(() => parseCommit(Buffer.from(text), 'c0ffee'), 'E_OBJECT', /git object c0ffee is corrupt/);
  });

  it.each<[string, Buffer, Buffer, RegExp]>([
    ['empty', Buffer.alloc(3), Buffer.alloc(0), /shorter than git accepts/],
    ['shorter than git accepts', Buffer.alloc(3), Buffer.from([3, 0, 0]), /shorter than git accepts/],
    ['a base size that runs off the end', Buffer.alloc(3), Buffer.from([0x83, 0x83, 0x83, 0x83]), /is truncated/],
    ['the wrong base size', Buffer.alloc(3), delta(4, 1, 1, 0x61), /does not fit its base/],
    ['a result larger than memory', Buffer.alloc(3), Buffer.from([3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), /more than can be held/],
    ['a copy past the end of the base', Buffer.alloc(3), delta(3, 4, 0x91, 0, 4), /copies past the end/],
    ['a copy cut in its arguments', Buffer.alloc(3), delta(3, 2, 0x91, 0), /is truncated/],
    ['an insert past the end', Buffer.alloc(3), delta(3, 1, 5, 0x61), /inserts past the end/],
    ['a reserved opcode', Buffer.alloc(3), delta(3, 1, 0, 0), /reserved opcode/],
    ['a result shorter than declared', Buffer.alloc(3), delta(3, 5, 0x91, 0, 3), /is short/],
  ])('delta: %s', { timeout: FAST }, (_, base, bytes, why) => {
    expectError(() => applyDelta(base, bytes, (w) => corrupt('d', `its delta ${w}`)), 'E_OBJECT', why);
  });

  it('zlib: a stored block over 64 KiB cannot be made', { timeout: FAST }, () => {
    expectError(() => zlibStored(new Uint8Array(70_000)), 'E_OBJECT', /65535/);
  });

  const blob = whole('blob', Buffer.from('hello'));
  it.each<[string, () => Buffer, RegExp]>([
    ['not a pack', () => Buffer.alloc(40), /does not start with PACK/],
    [
      'an unknown version',
      () => {
        const p = pack(1, blob);
        p.writeUInt32BE(9, 4);
        return p;
      },
      /version 9/,
    ],
    [
      'a wrong checksum',
      () => {
        const p = pack(1, blob);
        p[p.length - 1] ^= 1;
        return p;
      },
      /checksum does not match/,
    ],
    ['fewer objects than its header says', () => pack(2, blob), /it ends after 1 of 2 objects/],
    ['data after its last object', () => pack(1, blob, Buffer.from([1, 2, 3])), /data after its last object/],
    ['an entry that does not inflate', () => pack(1, objectHeader(3, 5), Buffer.from('not zlib at all')), /object at 12 does not inflate/],
    ['an unknown object type', () => pack(1, objectHeader(5, 5), zlibStored(Buffer.from('hello'))), /object at 12 has unknown type 5/],
    ['a truncated entry header', () => pack(1, Buffer.from([0xb5])), /header of the object at 12 is truncated/],
    [
      'an offset delta before the pack',
      () => pack(2, blob, Buffer.concat([objectHeader(OFS_DELTA, 3), encodeOfsBack(100), zlibStored(delta(5, 1, 1, 0x61))])),
      /deltas against -/,
    ],
    [
      'a delta whose base is not in the pack',
      () => pack(1, Buffer.concat([objectHeader(REF_DELTA, 4), Buffer.alloc(20, 7), zlibStored(delta(5, 1, 1, 0x61))])),
      /thin pack/,
    ],
    [
      'a delta that does not fit its base',
      () => pack(2, blob, Buffer.concat([objectHeader(OFS_DELTA, 4), encodeOfsBack(blob.length), zlibStored(delta(9, 1, 1, 0x61))])),
      /delta at \d+ does not fit its base/,
    ],
    // Found by the fuzzer (test/hostile/fuzz-git.test.ts): git index-pack takes it, git verify-pack refuses it.
    ['the same object twice', () => pack(2, blob, blob), /holds the object [0-9a-f]{40} twice/],
    [
      'a delta shorter than git accepts (an empty result in 2 bytes)',
      () => pack(2, blob, Buffer.concat([objectHeader(OFS_DELTA, 2), encodeOfsBack(blob.length), zlibStored(Buffer.from([5, 0]))])),
      /shorter than git accepts/,
    ],
  ])('received pack: %s', { timeout: FAST }, (_, make, why) => {
    expectError(() => indexPack(make(), path.join(tmpdir(), 'pack')), 'E_OBJECT', why);
  });

  /** An object store whose only pack is `packBytes` with the index `idxBytes`. */
  const storeWith = (packBytes: Buffer, idxBytes: Buffer) => {
    const gitDir = tmpdir();
    const dir = path.join(gitDir, 'objects', 'pack');
    fs.mkdirSync(dir, { recursive: true });
    const name = `pack-${sha1(packBytes).toString('hex')}`;
    fs.writeFileSync(path.join(dir, `${name}.pack`), packBytes);
    fs.writeFileSync(path.join(dir, `${name}.idx`), idxBytes);
    return { store: new ObjectStore(gitDir), name };
  };
  const idxFor = (packBytes: Buffer, rows: Array<[string, number]>) =>
    buildIndex(
      rows.map(([oid, offset]) => ({ oid: Buffer.from(oid, 'hex'), crc: 0, offset })),
      packBytes.subarray(packBytes.length - 20),
    );

  it.each<[string, (p: Buffer) => Buffer, RegExp]>([
    ['not an index', () => Buffer.alloc(2000), /its \.idx is not a version-2 pack index/],
    ['cut short', () => Buffer.alloc(10), /its \.idx is not a version-2 pack index/],
    ['shorter than its object count', (p) => idxFor(p, [[OID_A, 12]]).subarray(0, 1090), /its \.idx is truncated/],
    [
      'an inconsistent fan-out table',
      (p) => {
        const i = idxFor(p, [[OID_A, 12]]);
        i.writeUInt32BE(5, 8 + 0xa9 * 4);
        return i;
      },
      /fan-out table is inconsistent/,
    ],
    [
      'a large offset it does not hold',
      (p) => {
        const i = idxFor(p, [[OID_A, 12]]);
        i.writeUInt32BE(0x80000003, 8 + 1024 + 24);
        return i;
      },
      /large offset/,
    ],
  ])('pack index: %s', { timeout: FAST }, (_, makeIdx, why) => {
    const p = pack(1, blob);
    const { store, name } = storeWith(p, makeIdx(p));
    expectError(() => store.read(OID_A), 'E_OBJECT', why);
    expectError(() => store.read(OID_A), 'E_OBJECT', new RegExp(name));
  });

  const OID_B = 'b'.repeat(40);
  it.each<[string, () => [Buffer, Array<[string, number]>], RegExp]>([
    ['an entry that does not inflate', () => [pack(1, objectHeader(3, 5), Buffer.from('not zlib at all')), [[OID_A, 12]]], /does not inflate/],
    ['an entry of unknown type', () => [pack(1, objectHeader(5, 5), zlibStored(Buffer.from('hello'))), [[OID_A, 12]]], /unknown pack object type 5/],
    [
      'an entry whose size is not its header’s',
      () => [pack(1, objectHeader(3, 9), zlibStored(Buffer.from('hello'))), [[OID_A, 12]]],
      /inflates to 5 bytes, not 9/,
    ],
    ['a truncated entry header', () => [pack(1, Buffer.from([0xb5])), [[OID_A, 12]]], /entry header at offset 12 .* is truncated/],
    ['an offset past the pack', () => [pack(1, blob), [[OID_A, 5000]]], /offset 5000 lies past the end/],
    [
      'an offset delta before the pack',
      () => [pack(1, Buffer.concat([objectHeader(OFS_DELTA, 3), encodeOfsBack(100), zlibStored(delta(5, 1, 1, 0x61))])), [[OID_A, 12]]],
      /names a base 100 bytes back, outside the pack/,
    ],
    [
      'an offset delta on itself',
      () => [pack(1, Buffer.concat([objectHeader(OFS_DELTA, 3), encodeOfsBack(0), zlibStored(delta(5, 1, 1, 0x61))])), [[OID_A, 12]]],
      /names a base 0 bytes back/,
    ],
    [
      'a delta that does not fit its base',
      () => [
        pack(2, blob, Buffer.concat([objectHeader(OFS_DELTA, 3), encodeOfsBack(blob.length), zlibStored(delta(9, 1, 1, 0x61))])),
        [[OID_A, 12 + blob.length]],
      ],
      /its delta does not fit its base/,
    ],
    [
      'a reference delta with no base',
      () => [pack(1, Buffer.concat([objectHeader(REF_DELTA, 3), Buffer.from(OID_B, 'hex'), zlibStored(delta(5, 1, 1, 0x61))])), [[OID_A, 12]]],
      /delta base b{40} is missing/,
    ],
    [
      'two reference deltas on each other',
      () => {
        const onB = Buffer.concat([objectHeader(REF_DELTA, 3), Buffer.from(OID_B, 'hex'), zlibStored(delta(1, 1, 1, 0x61))]);
        const onA = Buffer.concat([objectHeader(REF_DELTA, 3), Buffer.from(OID_A, 'hex'), zlibStored(delta(1, 1, 1, 0x61))]);
        return [
          pack(2, onB, onA),
          [
            [OID_A, 12],
            [OID_B, 12 + onB.length],
          ],
        ];
      },
      /chain of reference deltas comes back to it/,
    ],
  ])('packed object: %s', { timeout: FAST }, (_, make, why) => {
    const [p, rows] = make();
    const { store } = storeWith(p, idxFor(p, rows));
    expectError(() => store.read(OID_A), 'E_OBJECT', why);
  });

  it.each<[string, Buffer, RegExp]>([
    ['does not inflate', Buffer.from('not zlib'), /does not inflate/],
    ['has no header', deflateSync(Buffer.from('blob5hello')), /header is malformed/],
    ['is shorter than its header says', deflateSync(Buffer.from('blob 9\0hello')), /holds 5 bytes where its header says 9/],
    ['hashes to another id', deflateSync(Buffer.from('blob 5\0hello')), /hashes to/],
  ])('loose object that %s', { timeout: FAST }, (_, raw, why) => {
    const gitDir = tmpdir();
    fs.mkdirSync(path.join(gitDir, 'objects', OID_A.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(gitDir, 'objects', OID_A.slice(0, 2), OID_A.slice(2)), raw);
    expectError(() => new ObjectStore(gitDir).read(OID_A), 'E_OBJECT', why);
  });

  it('a well-formed pack still reads and indexes (the fixtures above are malformed only where they say)', { timeout: FAST }, () => {
    const p = pack(1, blob);
    const oid = objectId('blob', Buffer.from('hello'));
    expect(indexPack(p, path.join(tmpdir(), 'pack')).objects).toBe(1);
    const { store } = storeWith(p, idxFor(p, [[oid, 12]]));
    expect(store.read(oid).content.toString()).toBe('hello');
  });

  it('codec: bytes that are not a CID are an E_CID error, and inside DAG-CBOR an E_CODEC one', { timeout: FAST }, () => {
    expectError(() => cidFromBytes(new Uint8Array([9, 9, 9])), 'E_CID', /not a binary CID/);
    expectError(() => decode(new Uint8Array([0xd8, 0x2a, 0x44, 0x00, 9, 9, 9])), 'E_CODEC', /tag 42 holds bytes that are not a CID \((?!3 bytes)/);
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

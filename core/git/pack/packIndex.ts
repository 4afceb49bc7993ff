import { createHash } from 'node:crypto';
import { corrupt } from '../object.js';

/**
 * git's version-2 pack index (`.idx`), written and read in one place. Layout: the magic `\377tOc`
 * and version 2; a fan-out table of 256 counts (entry i: how many ids start with a byte ≤ i); the
 * sorted 20-byte ids; a CRC-32 of each entry's packed bytes; a 4-byte offset of each (high bit set:
 * an index into the 8-byte offsets that follow, for packs past 2 GiB); the pack's checksum and the
 * index's own.
 */
const MAGIC = 0xff744f63;

/** The name of a finished pack's index: temporary files being written (tmp_pack_*) are not packs yet. */
export const PACK_IDX_NAME = /^pack-[0-9a-f]{40}\.idx$/;
const FANOUT = 8;
const NAMES = FANOUT + 256 * 4;

/** A version-2 pack index for entries (any order) of the pack whose trailing checksum is `packSum`. */
export function buildIndex(entries: ReadonlyArray<{ oid: Buffer; crc: number; offset: number }>, packSum: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => compareOids(a.oid, b.oid));
  const n = sorted.length;
  const large = sorted.filter((e) => e.offset >= 0x80000000);
  const buf = Buffer.alloc(NAMES + n * 28 + large.length * 8 + 40);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(2, 4);
  const counts = new Array(256).fill(0);
  for (const e of sorted) counts[e.oid[0]]++;
  let acc = 0;
  for (let i = 0; i < 256; i++) {
    acc += counts[i];
    buf.writeUInt32BE(acc, FANOUT + i * 4);
  }
  let pos = NAMES;
  for (const e of sorted) {
    e.oid.copy(buf, pos);
    pos += 20;
  }
  for (const e of sorted) {
    buf.writeUInt32BE(e.crc >>> 0, pos);
    pos += 4;
  }
  let li = 0;
  for (const e of sorted) {
    buf.writeUInt32BE(e.offset >= 0x80000000 ? (0x80000000 | li++) >>> 0 : e.offset, pos);
    pos += 4;
  }
  for (const e of large) {
    buf.writeBigUInt64BE(BigInt(e.offset), pos);
    pos += 8;
  }
  packSum.copy(buf, pos);
  pos += 20;
  createHash('sha1').update(buf.subarray(0, pos)).digest().copy(buf, pos);
  return buf;
}

/** Byte order of two object ids (as Buffer.compare, without a call into C++ for each pair). */
function compareOids(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * A version-2 pack index read from its bytes. The header and the size of the fixed tables are
 * checked when it is made; the fan-out table and large offsets when they are used. Every problem is
 * an E_OBJECT error naming the pack (`name`).
 */
export class PackIndex {
  /** How many objects the pack holds. */
  readonly count: number;

  /** Whether `bytes` start like a version-2 index (an older version-1 index does not). */
  static isVersion2(bytes: Buffer): boolean {
    return bytes.length >= 8 && bytes.readUInt32BE(0) === MAGIC && bytes.readUInt32BE(4) === 2;
  }

  constructor(
    private readonly bytes: Buffer,
    /** The pack's name (`pack-<hex>`), for errors. */
    readonly name: string,
  ) {
    if (bytes.length < NAMES + 40 || !PackIndex.isVersion2(bytes)) throw corrupt(name, 'its .idx is not a version-2 pack index');
    this.count = bytes.readUInt32BE(FANOUT + 255 * 4);
    // Names, CRCs and offsets of every object, then the two checksums (large offsets are checked on use).
    if (bytes.length < NAMES + this.count * 28 + 40) throw corrupt(name, 'its .idx is truncated');
  }

  /** The position (0 … count-1, in id order) of the object whose binary id is `want`, or -1. */
  find(want: Uint8Array): number {
    const idx = this.bytes;
    const first = want[0];
    let lo = first === 0 ? 0 : idx.readUInt32BE(FANOUT + (first - 1) * 4);
    let hi = idx.readUInt32BE(FANOUT + first * 4);
    if (lo > hi || hi > this.count) throw corrupt(this.name, 'its .idx fan-out table is inconsistent');
    // Bytes 1-4 of the id compared as a number first (a call into C++ per step costs more than the search).
    const head = ((want[1] << 24) | (want[2] << 16) | (want[3] << 8) | want[4]) >>> 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = NAMES + mid * 20;
      const got = idx.readUInt32BE(at + 1);
      const cmp = got !== head ? got - head : idx.compare(want, 0, 20, at, at + 20);
      if (cmp === 0) return mid;
      if (cmp > 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  /** The binary id of the object at position `i`. */
  oid(i: number): Buffer {
    return this.bytes.subarray(NAMES + i * 20, NAMES + i * 20 + 20);
  }

  /** The CRC-32 of the packed bytes (header and zlib data) of the object at position `i`. */
  crc(i: number): number {
    return this.bytes.readUInt32BE(NAMES + this.count * 20 + i * 4);
  }

  /** Whether the object at position `i` lies past 2 GiB in its pack (its offset is in the large table). */
  isLarge(i: number): boolean {
    return (this.bytes.readUInt32BE(NAMES + this.count * 24 + i * 4) & 0x80000000) !== 0;
  }

  /** Where the object at position `i` starts in its pack. */
  offset(i: number): number {
    const offsets = NAMES + this.count * 24;
    const v = this.bytes.readUInt32BE(offsets + i * 4);
    if ((v & 0x80000000) === 0) return v;
    const large = offsets + this.count * 4 + (v & 0x7fffffff) * 8;
    if (large + 8 > this.bytes.length - 40) throw corrupt(this.name, 'its .idx names a large offset it does not hold');
    return Number(this.bytes.readBigUInt64BE(large));
  }
}

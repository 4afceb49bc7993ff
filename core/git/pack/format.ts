import { constants } from 'node:buffer';
import { AgentlogError } from '../../errors.js';
import type { ObjectType } from '../object.js';

const MAX_LENGTH = constants.MAX_LENGTH;

/**
 * Pieces of git's pack format shared by the store's own packs (writePack.ts, packSet.ts, compactPacks.ts) and sync's
 * (buildPack.ts, indexPack.ts): object type codes, the pack header, entry headers and offset-delta
 * distances, the stored-block zlib stream, and delta application. The version-2 index is in
 * packIndex.ts.
 */

/** The type code of each object type in a pack entry's header. */
export const TYPE_CODE: Readonly<Record<ObjectType, number>> = { commit: 1, tree: 2, blob: 3, tag: 4 };
/** The object type of each whole-object type code (undefined for deltas and unknown codes). */
export const TYPE_NAME: Readonly<Record<number, ObjectType>> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
/** Entry type: a delta against the entry a given distance back in the same pack. */
export const OFS_DELTA = 6;
/** Entry type: a delta against the object with a given id. */
export const REF_DELTA = 7;

/** The 12-byte header of a version-2 pack of `count` objects. */
export function packHeader(count: number): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  return header;
}

/**
 * Decode an offset delta's distance back to its base, which starts at `buf[pos]` (git's varint with
 * an offset added at each continuation byte); `pos` returned is just past it.
 */
export function readOfsBack(buf: Uint8Array, pos: number): { back: number; pos: number } {
  let c = buf[pos++];
  let back = c & 0x7f;
  while (c & 0x80) {
    c = buf[pos++];
    back = (back + 1) * 128 + (c & 0x7f);
  }
  return { back, pos };
}

/** Encode an offset delta's distance back to its base (what readOfsBack reads). */
export function encodeOfsBack(back: number): Buffer {
  const bytes = [back & 0x7f];
  back = Math.floor(back / 128);
  while (back > 0) {
    back -= 1;
    bytes.unshift(0x80 | (back & 0x7f));
    back = Math.floor(back / 128);
  }
  return Buffer.from(bytes);
}

/** A valid zlib stream holding `data` uncompressed (RFC 1950/1951: one final stored block, ≤ 64 KiB). */
export function zlibStored(data: Uint8Array): Buffer {
  const n = data.length;
  if (n > 0xffff) throw new AgentlogError('E_OBJECT', `a stored zlib block holds at most 65535 bytes, not ${n}`, { size: n });
  const out = Buffer.allocUnsafe(n + 11);
  out[0] = 0x78;
  out[1] = 0x01;
  out[2] = 0x01; // BFINAL, stored
  out.writeUInt16LE(n, 3);
  out.writeUInt16LE(~n & 0xffff, 5);
  out.set(data, 7);
  out.writeUInt32BE(adler32(data, 0, n), n + 7);
  return out;
}

/**
 * Adler-32 of data[start, end), the checksum ending a zlib stream. The sums are reduced modulo 65521
 * once every 5,552 bytes (zlib's NMAX: the most bytes after which they still fit in 32 bits), not at
 * every byte.
 */
export function adler32(data: Uint8Array, start: number, end: number): number {
  let a = 1;
  let b = 0;
  for (let i = start; i < end; ) {
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * The content of a zlib stream that is one stored block (what zlibStored writes), checked against
 * its Adler-32; undefined when the stream is anything else (then inflate it). Reading our own small
 * objects this way skips zlib's per-call set-up, which dominates for small objects.
 */
export function unwrapStored(z: Uint8Array): Buffer | undefined {
  if (z.length < 11 || z[0] !== 0x78 || z[1] !== 0x01 || (z[2] & 0x07) !== 0x01) return undefined;
  const n = z[3] | (z[4] << 8);
  if ((z[5] | (z[6] << 8)) !== (~n & 0xffff) || z.length < n + 11) return undefined;
  const sum = ((z[7 + n] << 24) | (z[8 + n] << 16) | (z[9 + n] << 8) | z[10 + n]) >>> 0;
  if (sum !== adler32(z, 7, 7 + n)) return undefined;
  return Buffer.from(z.subarray(7, 7 + n));
}

/**
 * Read a pack entry's header at `buf[pos]`: its type code and its inflated size (git's varint: 3 bits
 * of type and 4 of size, then 7 bits of size a byte); `pos` returned is just past it. Undefined when
 * the header runs past the end of `buf`.
 */
export function readEntryHeader(buf: Uint8Array, pos: number): { type: number; size: number; pos: number } | undefined {
  if (pos >= buf.length) return undefined;
  let c = buf[pos++];
  const type = (c >> 4) & 7;
  let size = c & 15;
  let shift = 4;
  while (c & 0x80) {
    if (pos >= buf.length) return undefined;
    c = buf[pos++];
    size += (c & 0x7f) * 2 ** shift;
    shift += 7;
  }
  return { type, size, pos };
}

/** The header of a pack entry: its type and its (inflated) size as git's varint (what readEntryHeader reads). */
export function objectHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let c = (type << 4) | (size & 15);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(c | 0x80);
    c = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(c);
  return Buffer.from(bytes);
}

/**
 * Apply a git delta to its base. `fail(why)` makes the error for a delta that does not fit (`why`
 * reads after "the delta …": "does not fit its base", "copies past the end", …); every malformed
 * delta ends in it, never in a read past the delta's end or an allocation that cannot be made.
 * `maxSize` bounds the object it may make (a received pack's limit, sync/limits.ts).
 */
export function applyDelta(base: Buffer, delta: Buffer, fail: (why: string) => Error, maxSize = MAX_LENGTH): Buffer {
  // git's patch_delta refuses a delta shorter than DELTA_SIZE_MIN (4 bytes); so do we, or we would
  // accept packs that git then calls corrupt (found by test/hostile/fuzz-git.test.ts).
  if (delta.length < 4) throw fail(`is ${delta.length} bytes long, shorter than git accepts (4)`);
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    let c: number;
    do {
      if (pos >= delta.length) throw fail('is truncated');
      c = delta[pos++];
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return v;
  };
  if (varint() !== base.length) throw fail('does not fit its base');
  const size = varint();
  // Checked before the result is allocated: a delta cannot make us hold more than `maxSize`.
  if (size > MAX_LENGTH) throw fail(`makes an object of ${size} bytes, more than can be held in memory`);
  if (size > maxSize) throw fail(`makes an object of ${size} bytes, more than the ${maxSize} allowed`);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  while (pos < delta.length) {
    const op = delta[pos++];
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      if (op & 1) off |= delta[pos++];
      if (op & 2) off |= delta[pos++] << 8;
      if (op & 4) off |= delta[pos++] << 16;
      if (op & 8) off = (off | (delta[pos++] << 24)) >>> 0;
      if (op & 16) len |= delta[pos++];
      if (op & 32) len |= delta[pos++] << 8;
      if (op & 64) len |= delta[pos++] << 16;
      if (pos > delta.length) throw fail('is truncated');
      if (len === 0) len = 0x10000;
      if (off + len > base.length || o + len > out.length) throw fail('copies past the end');
      base.copy(out, o, off, off + len);
      o += len;
    } else if (op > 0) {
      if (pos + op > delta.length || o + op > out.length) throw fail('inserts past the end');
      delta.copy(out, o, pos, pos + op);
      pos += op;
      o += op;
    } else {
      throw fail('has a reserved opcode');
    }
  }
  if (o !== out.length) throw fail('is short');
  return out;
}

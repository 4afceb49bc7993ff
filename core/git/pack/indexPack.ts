import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { AgentlogError } from '../../errors.js';
import { objectId } from '../object.js';
import { applyDelta, OFS_DELTA, readEntryHeader, readOfsBack, REF_DELTA, TYPE_NAME } from './format.js';
import { buildIndex } from './packIndex.js';
import { fsyncFd, ioError } from '../fsio.js';
import { ReceivedPack } from './receivedPack.js';
import { writeAtomically } from './writePack.js';

export interface IndexedPack {
  /** The pack's name: `pack-<hex>`, from its trailer checksum, like git names it. */
  name: string;
  objects: number;
  /** With `keep` (indexPackFile): the pack, open for reading by what indexing learnt (receivedPack.ts); the caller closes it. */
  reader?: ReceivedPack;
}

interface Entry {
  offset: number;
  end: number;
  type: number;
  /** Where its zlib data starts. */
  data: number;
  /** The inflated size its header declares (of the delta itself, for a delta). */
  size: number;
  baseOffset?: number;
  baseOid?: string;
  oid?: string;
  resolvedType?: number;
  /** CRC-32 of its bytes in the pack (header and zlib data), for the .idx. */
  crc?: number;
}

const MAX_LENGTH = constants.MAX_LENGTH;
/** The largest object a received pack may hold unless the caller says otherwise (sync/limits.ts sets it). */
const MAX_OBJECT = 128 * 1024 * 1024;
/** How much of the pack is hashed at a time, and how much is read for an entry's header. */
const CHUNK = 1 << 20;
const HEADER_WINDOW = 64;

function bad(why: string): AgentlogError {
  return new AgentlogError('E_OBJECT', `the pack received from the remote is malformed: ${why}`);
}

/**
 * Where a pack's bytes are read from while it is indexed: a buffer (tests, fuzzers), or the file a
 * fetch streamed the pack into (indexPackFile), read a window at a time so memory stays bounded by the
 * largest object, not the pack.
 */
interface PackSource {
  length: number;
  /** The bytes [pos, pos + len) (fewer at the end); `whole`: a source in memory hands out the rest freely. */
  read(pos: number, len: number): Buffer;
  whole: boolean;
}

function bufferSource(b: Buffer): PackSource {
  return { length: b.length, whole: true, read: (pos, len) => b.subarray(pos, Math.min(b.length, pos + len)) };
}

/**
 * A pack file read through a window of CHUNK bytes read ahead: the entries of a pack are read in
 * order, a header, a zlib stream and a CRC each, and one read call per request made 3 system calls and
 * 3 buffers per object (issue 20: a clone of 468,000 objects spent 15 s in reads). A request inside
 * the window is a view of it (a new window is a new buffer, so an earlier view stays valid); a
 * larger one is read on its own.
 */
function fileSource(fd: number, size: number, file: string): PackSource {
  let windowAt = 0;
  let window: Buffer = Buffer.alloc(0);
  const readAt = (pos: number, len: number): Buffer => {
    const n = Math.max(0, Math.min(len, size - pos));
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      let got: number;
      try {
        got = fs.readSync(fd, buf, done, n - done, pos + done);
      } catch (e) {
        throw ioError(e, 'read', file);
      }
      if (got <= 0) throw ioError(Object.assign(new Error('the file ended early'), { code: 'EIO' }), 'read', file);
      done += got;
    }
    return buf;
  };
  return {
    length: size,
    whole: false,
    read(pos, len) {
      const n = Math.max(0, Math.min(len, size - pos));
      if (pos >= windowAt && pos + n <= windowAt + window.length) return window.subarray(pos - windowAt, pos - windowAt + n);
      if (n > CHUNK) return readAt(pos, n);
      windowAt = pos;
      window = readAt(pos, CHUNK);
      return window.subarray(0, n);
    },
  };
}

/**
 * Index a pack received from a remote (what `git index-pack` does, without the git CLI): check its
 * trailer, inflate every entry, resolve offset and reference deltas against objects in the same pack,
 * hash every object, and write `<dir>/pack-<hex>.pack` and its version-2 `.idx`, each fsynced
 * (and the folder after them) before this returns, so the refs moved next never name lost objects. The pack must be
 * self-contained (we never ask for thin packs). Delta bases stay in memory only while a delta still
 * needs them.
 */
export function indexPack(pack: Buffer, dir: string, limits: { object?: number } = {}): IndexedPack {
  return indexFrom(bufferSource(pack), dir, limits, (name) => writeAtomically(path.join(dir, `${name}.pack`), [pack], true));
}

/**
 * indexPack for a pack a fetch streamed into `file` (issue 17, point 13): read from the file a window
 * at a time, objects inflated one at a time and each capped at its declared size, so memory is
 * bounded by the largest object (and the delta bases still needed), not by the pack. The file becomes
 * `<dir>/pack-<hex>.pack` (fsynced, renamed); on an error it is left for the caller to remove.
 */
export function indexPackFile(file: string, dir: string, limits: { object?: number; keep?: boolean } = {}): IndexedPack {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw ioError(e, 'open', file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    return indexFrom(fileSource(fd, size, file), dir, limits, (name) => {
      const dest = path.join(dir, `${name}.pack`);
      fsyncFd(fd, file);
      try {
        fs.renameSync(file, dest);
      } catch (e) {
        throw ioError(e, 'rename into place', dest);
      }
    });
  } finally {
    fs.closeSync(fd);
  }
}

function indexFrom(src: PackSource, dir: string, limits: { object?: number; keep?: boolean }, placePack: (name: string) => void): IndexedPack {
  const maxObject = Math.min(limits.object ?? MAX_OBJECT, MAX_LENGTH);
  if (src.length < 32) throw bad('it does not start with PACK');
  const head = src.read(0, 12);
  if (head.toString('latin1', 0, 4) !== 'PACK') throw bad('it does not start with PACK');
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`version ${version}`);
  const count = head.readUInt32BE(8);
  const end = src.length - 20;
  const trailer = Buffer.from(src.read(end, 20));
  const hash = createHash('sha1');
  for (let at = 0; at < end; at += CHUNK) hash.update(src.read(at, Math.min(CHUNK, end - at)));
  if (!hash.digest().equals(trailer)) throw bad('its checksum does not match (truncated in transit?)');

  // Pass 1: walk entries, hash whole objects, remember deltas.
  const entries: Entry[] = [];
  const byOffset = new Map<number, Entry>();
  const refs = new Map<number, number>(); // entry offset -> how many deltas use it as a base
  let pos = 12;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw bad(`it ends after ${i} of ${count} objects`);
    const offset = pos;
    const window = src.read(pos, Math.min(HEADER_WINDOW, end - pos));
    const head = readEntryHeader(window, 0);
    if (!head) throw bad(`the header of the object at ${offset} is truncated`);
    const type = head.type;
    let at = head.pos;
    // An entry may hold no more than its header declares, and may declare no more than the limit:
    // checked before anything is inflated, so a zlib bomb costs at most its declared size (issue 17, 12–13).
    if (head.size > maxObject) throw bad(`the object at ${offset} declares ${head.size} bytes, more than the ${maxObject} allowed`);
    const e: Entry = { offset, end: 0, type, data: 0, size: head.size };
    if (type === OFS_DELTA) {
      const ofs = readOfsBack(window, at);
      at = ofs.pos;
      e.baseOffset = offset - ofs.back;
      if (!byOffset.has(e.baseOffset)) throw bad(`object at ${offset} deltas against ${e.baseOffset}, which is no object`);
      refs.set(e.baseOffset, (refs.get(e.baseOffset) ?? 0) + 1);
    } else if (type === REF_DELTA) {
      if (at + 20 > window.length) throw bad(`the header of the object at ${offset} is truncated`);
      e.baseOid = window.toString('hex', at, at + 20);
      at += 20;
    } else if (!TYPE_NAME[type]) {
      throw bad(`object at ${offset} has unknown type ${type}`);
    }
    pos += at;
    e.data = pos;
    const { buffer, consumed } = inflateAt(src, pos, offset, head.size);
    pos += consumed;
    e.end = pos;
    e.crc = crc32(src.read(offset, e.end - offset)) >>> 0;
    if (type !== OFS_DELTA && type !== REF_DELTA) {
      e.oid = objectId(TYPE_NAME[type], buffer);
      e.resolvedType = type;
    }
    entries.push(e);
    byOffset.set(offset, e);
  }
  if (pos !== end) throw bad('it holds data after its last object');

  // git pack-objects never writes an object twice, and git verify-pack and fsck refuse a pack that does.
  const twice = (oid: string): AgentlogError => bad(`it holds the object ${oid} twice`);
  const byOid = new Map<string, Entry>();
  for (const e of entries) {
    if (!e.oid) continue;
    if (byOid.has(e.oid)) throw twice(e.oid);
    byOid.set(e.oid, e);
  }
  for (const e of entries) {
    if (e.baseOid) {
      const base = byOid.get(e.baseOid);
      if (base) refs.set(base.offset, (refs.get(base.offset) ?? 0) + 1);
    }
  }

  // Pass 2: resolve deltas (bases first, cached while still needed).
  const cache = new Map<number, Buffer>();
  const content = (e: Entry): Buffer => {
    const hit = cache.get(e.offset);
    if (hit) return hit;
    const raw = inflateAt(src, e.data, e.offset, e.size).buffer;
    if (e.type !== OFS_DELTA && e.type !== REF_DELTA) {
      if ((refs.get(e.offset) ?? 0) > 0) cache.set(e.offset, raw);
      return raw;
    }
    // Only called for a delta whose base is resolved (the loop below), so the base is there.
    const base = e.baseOffset !== undefined ? byOffset.get(e.baseOffset)! : byOid.get(e.baseOid!)!;
    return applyDelta(content(base), raw, (why) => bad(`the delta at ${e.offset} ${why}`), maxObject);
  };
  const release = (e: Entry): void => {
    const base = e.baseOffset !== undefined ? byOffset.get(e.baseOffset) : e.baseOid ? byOid.get(e.baseOid) : undefined;
    if (!base) return;
    const left = (refs.get(base.offset) ?? 1) - 1;
    refs.set(base.offset, left);
    if (left <= 0) cache.delete(base.offset);
  };
  let pending = entries.filter((e) => !e.oid);
  while (pending.length) {
    const next: Entry[] = [];
    for (const e of pending) {
      if (e.baseOid && !byOid.has(e.baseOid)) {
        next.push(e);
        continue;
      }
      const base = e.baseOffset !== undefined ? byOffset.get(e.baseOffset)! : byOid.get(e.baseOid!)!;
      if (base.resolvedType === undefined) {
        next.push(e);
        continue;
      }
      const data = content(e);
      e.resolvedType = base.resolvedType;
      e.oid = objectId(TYPE_NAME[e.resolvedType], data);
      if (byOid.has(e.oid)) throw twice(e.oid);
      byOid.set(e.oid, e);
      if ((refs.get(e.offset) ?? 0) > 0) cache.set(e.offset, data);
      release(e);
    }
    if (next.length === pending.length) throw bad(`${next.length} deltas name bases that are not in the pack (a thin pack?)`);
    pending = next;
  }
  // Whole objects used as bases were cached lazily by content(); nothing else to free.

  const name = `pack-${trailer.toString('hex')}`;
  const idx = buildIndex(
    entries.map((e) => ({ oid: Buffer.from(e.oid!, 'hex'), crc: e.crc!, offset: e.offset })),
    trailer,
  );
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, 'create', dir);
  }
  // fsynced in every mode, as git's index-pack does: the caller moves refs into these objects next (I9).
  placePack(name);
  writeAtomically(path.join(dir, `${name}.idx`), [idx], true, true);
  return { name, objects: count, ...(limits.keep ? { reader: new ReceivedPack(path.join(dir, `${name}.pack`), entries) } : {}) };
}

/**
 * Inflate the entry whose zlib data starts at `pos`, expecting exactly `size` bytes: it is never
 * allowed to inflate further (zlib stops at size + 1), and a different size is refused. From a file,
 * the zlib stream is read in a window of zlib's bound for `size` bytes (deflateBound), widened a few
 * times if the stream runs on (a compressor that pads); one longer than 4 × that bound + 1 MiB is
 * refused, so a stream costs memory in proportion to its declared size.
 */
function inflateAt(src: PackSource, pos: number, offset: number, size: number): { buffer: Buffer; consumed: number } {
  const rest = src.length - 20 - pos;
  const bound = size + 5 * (Math.floor(size / 16_383) + 1) + 64;
  const most = Math.min(rest, 4 * bound + (1 << 20));
  for (let window = src.whole ? rest : Math.min(rest, bound); ; window = Math.min(most, window * 4)) {
    let r: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      // chunkSize: an output buffer of the object's size, not zlib's 16 KiB for every object (3× the cost of a small one).
      r = inflateSync(src.read(pos, window), { info: true, maxOutputLength: size + 1, chunkSize: Math.max(64, size + 1) }) as unknown as typeof r;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw bad(`the object at ${offset} inflates to more than the ${size} bytes its header declares`);
      // The stream goes on past the window: read more of it, up to the bound.
      if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && window < most) continue;
      if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && window < rest)
        throw bad(`the object at ${offset} is a zlib stream far longer than ${size} bytes need`);
      throw bad(`object at ${offset} does not inflate (${(e as Error).message})`);
    }
    if (r.buffer.length !== size) throw bad(`the object at ${offset} inflates to ${r.buffer.length} bytes, not the ${size} its header declares`);
    return { buffer: r.buffer, consumed: r.engine.bytesWritten };
  }
}

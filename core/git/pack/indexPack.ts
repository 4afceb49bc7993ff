import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { AgentlogError } from '../../errors.js';
import { objectId } from '../object.js';
import { applyDelta, OFS_DELTA, readEntryHeader, readOfsBack, REF_DELTA, TYPE_NAME } from './format.js';
import { buildIndex } from './packIndex.js';
import { ioError } from '../fsio.js';
import { writeAtomically } from './writePack.js';

export interface IndexedPack {
  /** The pack's name: `pack-<hex>`, from its trailer checksum, like git names it. */
  name: string;
  objects: number;
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
}

const MAX_LENGTH = constants.MAX_LENGTH;
/** The largest object a received pack may hold unless the caller says otherwise (sync/limits.ts sets it). */
const MAX_OBJECT = 128 * 1024 * 1024;

function bad(why: string): AgentlogError {
  return new AgentlogError('E_OBJECT', `the pack received from the remote is malformed: ${why}`);
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
  const maxObject = Math.min(limits.object ?? MAX_OBJECT, MAX_LENGTH);
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw bad('it does not start with PACK');
  const version = pack.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`version ${version}`);
  const count = pack.readUInt32BE(8);
  const trailer = pack.subarray(pack.length - 20);
  const sum = createHash('sha1')
    .update(pack.subarray(0, pack.length - 20))
    .digest();
  if (!sum.equals(trailer)) throw bad('its checksum does not match (truncated in transit?)');

  // Pass 1: walk entries, hash whole objects, remember deltas.
  const entries: Entry[] = [];
  const byOffset = new Map<number, Entry>();
  const refs = new Map<number, number>(); // entry offset -> how many deltas use it as a base
  let pos = 12;
  for (let i = 0; i < count; i++) {
    if (pos >= pack.length - 20) throw bad(`it ends after ${i} of ${count} objects`);
    const offset = pos;
    const head = readEntryHeader(pack.subarray(0, pack.length - 20), pos);
    if (!head) throw bad(`the header of the object at ${offset} is truncated`);
    const type = head.type;
    pos = head.pos;
    // An entry may hold no more than its header declares, and may declare no more than the limit:
    // checked before anything is inflated, so a zlib bomb costs at most its declared size (issue 17, 12–13).
    if (head.size > maxObject) throw bad(`the object at ${offset} declares ${head.size} bytes, more than the ${maxObject} allowed`);
    const e: Entry = { offset, end: 0, type, data: 0, size: head.size };
    if (type === OFS_DELTA) {
      const ofs = readOfsBack(pack, pos);
      pos = ofs.pos;
      e.baseOffset = offset - ofs.back;
      if (!byOffset.has(e.baseOffset)) throw bad(`object at ${offset} deltas against ${e.baseOffset}, which is no object`);
      refs.set(e.baseOffset, (refs.get(e.baseOffset) ?? 0) + 1);
    } else if (type === REF_DELTA) {
      e.baseOid = pack.toString('hex', pos, pos + 20);
      pos += 20;
    } else if (!TYPE_NAME[type]) {
      throw bad(`object at ${offset} has unknown type ${type}`);
    }
    e.data = pos;
    const { buffer, consumed } = inflateAt(pack, pos, offset, head.size);
    pos += consumed;
    e.end = pos;
    if (type !== OFS_DELTA && type !== REF_DELTA) {
      e.oid = objectId(TYPE_NAME[type], buffer);
      e.resolvedType = type;
    }
    entries.push(e);
    byOffset.set(offset, e);
  }
  if (pos !== pack.length - 20) throw bad('it holds data after its last object');

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
    const raw = inflateAt(pack, e.data, e.offset, e.size).buffer;
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
  const idx = buildIdx(pack, entries, trailer);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, 'create', dir);
  }
  // fsynced in every mode, as git's index-pack does: the caller moves refs into these objects next (I9).
  writeAtomically(path.join(dir, `${name}.pack`), [pack], true);
  writeAtomically(path.join(dir, `${name}.idx`), [idx], true, true);
  return { name, objects: count };
}

/**
 * Inflate the entry whose zlib data starts at `pos`, expecting exactly `size` bytes: it is never
 * allowed to inflate further (zlib stops at size + 1), and a different size is refused.
 */
function inflateAt(pack: Buffer, pos: number, offset: number, size: number): { buffer: Buffer; consumed: number } {
  let r: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    r = inflateSync(pack.subarray(pos, pack.length - 20), { info: true, maxOutputLength: size + 1 }) as unknown as typeof r;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw bad(`the object at ${offset} inflates to more than the ${size} bytes its header declares`);
    throw bad(`object at ${offset} does not inflate (${(e as Error).message})`);
  }
  if (r.buffer.length !== size) throw bad(`the object at ${offset} inflates to ${r.buffer.length} bytes, not the ${size} its header declares`);
  return { buffer: r.buffer, consumed: r.engine.bytesWritten };
}

/** The version-2 index of the pack's entries (buildIndex puts them in id order). */
function buildIdx(pack: Buffer, entries: Entry[], packSum: Buffer): Buffer {
  return buildIndex(
    entries.map((e) => ({ oid: Buffer.from(e.oid!, 'hex'), crc: crc32(pack.subarray(e.offset, e.end)) >>> 0, offset: e.offset })),
    packSum,
  );
}

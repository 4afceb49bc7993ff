import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { corrupt, objectId, type GitObject, type ObjectType } from '../object.js';
import { DeltaIndex } from './delta.js';
import { applyDelta, encodeOfsBack, objectHeader, OFS_DELTA, packHeader, TYPE_CODE, unwrapStored, zlibStored } from './format.js';
import type { StoredDelta } from './packSet.js';

/**
 * The entries of a pack with deltas chosen as git's pack-objects chooses them (the ideas of its
 * find_deltas/try_delta, not its code). Every object is read once to learn its type and size, and
 * each tree's entries give the objects they name a name hash (git's pack_name_hash of the entry's
 * name: its last characters weigh most, so `12.cbor` files sit together, and `events` trees). The
 * objects are then sorted as git sorts them (type, name hash, size descending, newest first) and
 * each is read again and tried as a delta against the WINDOW objects before it of its type (the
 * larger ones, from which a delta only deletes), the smallest delta kept if it beats the limits git
 * uses: at most half the object, less the deeper its base's chain, never past `depth`. The window's
 * objects and their block indexes (delta.ts) are the only contents held, bounded by `windowBytes`.
 * Entries are then laid out in the order given (a timeline's objects stay together, as its appends
 * wrote them), a delta's base written first when it would come later, as OFS_DELTA entries.
 */
export interface DeltaOptions {
  /** How many objects before one are tried as its base (git's pack.window, 10). */
  window: number;
  /** The longest delta chain (git's pack.depth, 50). */
  depth: number;
  /** The window's contents and indexes, at most (git's pack.windowMemory). */
  windowBytes: number;
  /** zlib level of each entry (git's pack.compression default is zlib's, 6). */
  level: number;
}

export const DELTA_DEFAULTS: DeltaOptions = { window: 10, depth: 50, windowBytes: 64 << 20, level: 6 };
/** No delta search: whole entries copied as they are stored (a merge inside a long-lived writer's process, store.ts). */
export const NO_DELTAS: DeltaOptions = { window: 0, depth: 50, windowBytes: 0, level: 1 };

/** Objects smaller than this are never deltas nor bases (git's limit too: the delta header alone costs a few bytes). */
const MIN_DELTA_SIZE = 50;
/** Objects larger than this are stored whole and are no one's base (memory: a window holds them and their index). */
const MAX_DELTA_SIZE = 16 << 20;
/** Entries smaller than this are a stored zlib block: deflate cannot gain there, and costs a zlib set-up. */
const STORE_BELOW = 64;
/** Bytes of one slab (see Slab). */
const SLAB = 1 << 20;

export interface DeltaPack {
  /** The pack's header and entries (the caller adds the SHA-1 trailer). */
  parts: Buffer[];
  /** Each object's id, CRC-32 of its entry and offset, for the .idx. */
  index: Array<{ oid: Buffer; crc: number; offset: number }>;
  /** Entries written as deltas, in all. */
  deltas: number;
  /** Of those, deltas an input pack held, copied as they were stored. */
  reused: number;
  /** Objects the delta search ran for (each tried against its window). */
  searched: number;
}

/** git's pack_name_hash of the bytes data[from, to): each non-space byte shifts in at the top. */
export function nameHash(data: Uint8Array, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) {
    const c = data[i];
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    h = ((h >>> 2) + (c << 24)) >>> 0;
  }
  return h;
}

/**
 * A pack of the objects `oids` (distinct, in the order their entries are to be laid out), each read by
 * `read`. With `stored` (what a pack holds for an object: PackSet.storedDelta), a delta an input pack
 * already holds is reused as git's pack-objects reuses one: when its base is in this pack too, its
 * zlib stream is copied as it is (written as an offset delta to its base's new place), after the
 * delta was applied to its base and the object it makes checked against its id. Its chain's depth
 * counts: a reused delta past `depth` is dropped (the object searched for again, which starts a
 * new chain), and so is one whose chain of bases comes back to it. The delta search then runs only
 * over the objects that are not reused deltas, are no reused delta's base (making a base a delta
 * would lengthen every chain under it), and are not whole in an input pack that holds deltas
 * (`packOf[i]` numbers the pack object i comes from): such a pack was written by a delta search
 * (a gc's, git's), so its whole objects are whole because no search found them a base. What is
 * left to search is what appends wrote since (their packs hold no deltas). Reused deltas and the
 * objects copied as stored stay in the window as bases for the rest, read only when an object is
 * tried against them. A gc of a delta'd pack and new ones thus reads and checks every object and
 * searches only for the new ones (git's pack-objects searches every whole object again).
 */
export function deltaPack(
  oids: readonly Buffer[],
  read: (oid: string) => GitObject,
  options: DeltaOptions = DELTA_DEFAULTS,
  stored?: (oid: string) => StoredDelta | undefined,
  packOf?: ArrayLike<number>,
): DeltaPack {
  const n = oids.length;
  const hex = oids.map((o) => o.toString('hex'));
  const byOid = new Map<string, number>();
  for (let i = 0; i < n; i++) byOid.set(hex[i], i);
  const types = new Uint8Array(n);
  const sizes = new Float64Array(n);
  const names = new Uint32Array(n);
  const base = new Int32Array(n).fill(-1);
  const deltaSize = new Float64Array(n);
  const bodies: Buffer[] = new Array(n);
  const slab = new Slab();
  // The input packs (packOf's numbers) that hold a delta: made by a delta search (ours, git's), whose
  // whole objects are whole because no search found them a base.
  const searchedPacks = new Set<number>();
  const wasDelta = new Uint8Array(n);

  // Pass 1: type and size of each, names from trees; every object checked against its id. A stored
  // delta whose base is in this pack is checked as it is to be copied: applied to its base (itself
  // checked against its id), the object it makes hashed.
  for (let i = 0; i < n; i++) {
    const delta = stored?.(hex[i]);
    if (delta) {
      wasDelta[i] = 1;
      if (packOf) searchedPacks.add(packOf[i]);
    }
    const b = delta ? byOid.get(delta.baseOid) : undefined;
    let obj: GitObject;
    if (delta && b !== undefined && b !== i) {
      const from = readChecked(read, delta.baseOid);
      const made = applyDelta(from.content, inflateDelta(delta, hex[i]), (why) => corrupt(hex[i], `its stored delta ${why}`));
      obj = { type: from.type, content: made };
      const id = objectId(obj.type as ObjectType, made);
      if (id !== hex[i]) throw corrupt(hex[i], `its stored delta against ${delta.baseOid} makes an object that hashes to ${id}`);
      base[i] = b;
      deltaSize[i] = delta.size;
      bodies[i] = slab.copy(delta.packed);
    } else {
      obj = readChecked(read, hex[i]);
    }
    types[i] = TYPE_CODE[obj.type];
    sizes[i] = obj.content.length;
    if (obj.type === 'tree') nameChildren(obj.content, hex[i], byOid, names);
  }

  // The reused chains' depths, bases first; a reused delta too deep, or in a loop of bases, is
  // dropped (searched for in pass 2).
  const depth = new Uint8Array(n);
  const done = new Uint8Array(n); // 0: not yet, 1: on the chain being walked, 2: depth known
  const chain: number[] = [];
  for (let i = 0; i < n; i++) {
    let j = i;
    while (done[j] === 0 && base[j] >= 0) {
      done[j] = 1;
      chain.push(j);
      j = base[j];
    }
    if (done[j] === 1) base[j] = -1; // a loop: j's delta goes, the chain ends at it
    if (base[j] < 0) {
      depth[j] = 0;
      done[j] = 2;
    }
    while (chain.length) {
      const k = chain.pop()!;
      if (done[k] === 2) continue;
      done[k] = 2;
      if (base[k] >= 0 && depth[base[k]] + 1 <= options.depth) depth[k] = depth[base[k]] + 1;
      else base[k] = -1;
    }
  }
  // `asStored`: an object not searched for (copied as stored) — a reused delta's base, or a whole object of a searched pack.
  const asStored = new Uint8Array(n);
  let reused = 0;
  for (let i = 0; i < n; i++) {
    if (base[i] >= 0) {
      asStored[base[i]] = 1;
      reused++;
    } else bodies[i] = undefined as unknown as Buffer; // a dropped delta's stream: written again in pass 2
  }
  if (packOf) for (let i = 0; i < n; i++) if (base[i] < 0 && !wasDelta[i] && searchedPacks.has(packOf[i])) asStored[i] = 1;

  // Git's order for finding deltas: type, name hash, size (larger first), newer first.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => types[b] - types[a] || names[b] - names[a] || sizes[b] - sizes[a] || b - a);

  // Pass 2: each object not reused against the window before it.
  const window: Array<{ i: number; content?: Buffer; index?: DeltaIndex }> = [];
  let windowBytes = 0;
  let deltas = reused;
  let searched = 0;
  const contentOf = (i: number): Buffer => {
    const content = read(hex[i]).content;
    if (content.length !== sizes[i]) throw corrupt(hex[i], `it read back as ${content.length} bytes, then ${sizes[i]}`);
    return content;
  };
  for (const i of order) {
    const size = sizes[i];
    const fits = size >= MIN_DELTA_SIZE && size <= MAX_DELTA_SIZE;
    let content: Buffer | undefined;
    if (base[i] < 0) {
      const obj = read(hex[i]);
      content = obj.content;
      if (content.length !== size) throw corrupt(hex[i], `it read back as ${content.length} bytes, then ${size}`);
      let best: Buffer | undefined;
      let bestBase = -1;
      if ((options.window === 0 || asStored[i]) && obj.packed) {
        // No search asked for, or one not to search (asStored): the stored zlib stream, as it is.
        bodies[i] = slab.copy(obj.packed);
      } else {
        if (fits && !asStored[i] && options.window > 0) {
          searched++;
          for (let w = window.length - 1; w >= 0; w--) {
            const cand = window[w];
            if (types[cand.i] !== types[i] || depth[cand.i] >= options.depth) continue;
            const srcSize = sizes[cand.i];
            // git's try_delta limits: half the object (or the best so far), less the deeper the chain.
            let max = best ? best.length : Math.floor(size / 2) - 20;
            const refDepth = best ? depth[bestBase] + 1 : 1;
            max = Math.floor((max * (options.depth - depth[cand.i])) / (options.depth - refDepth + 1));
            if (max <= 0) continue;
            if (size > srcSize && size - srcSize >= max) continue;
            if (size < srcSize / 32) continue;
            if (!cand.content) {
              cand.content = contentOf(cand.i);
              windowBytes += srcSize;
            }
            if (!cand.index) {
              cand.index = new DeltaIndex(cand.content);
              windowBytes += cand.index.bytes;
            }
            const d = cand.index.delta(content, best ? Math.min(max, best.length - 1) : max);
            if (d && (!best || d.length < best.length)) {
              best = d;
              bestBase = cand.i;
            }
          }
        }
        if (best) {
          base[i] = bestBase;
          depth[i] = depth[bestBase] + 1;
          deltaSize[i] = best.length;
          bodies[i] = slab.copy(compress(best, options.level));
          deltas++;
        } else {
          bodies[i] = slab.copy(compress(content, options.level));
        }
      }
    }
    if (fits && options.window > 0) {
      window.push({ i, content });
      if (content) windowBytes += size;
      while (window.length > options.window || (window.length > 1 && windowBytes > options.windowBytes)) {
        const out = window.shift()!;
        windowBytes -= (out.content ? out.content.length : 0) + (out.index?.bytes ?? 0);
      }
    }
  }

  // Pass 3: entries in the given order, each delta's base before it.
  const parts: Buffer[] = [packHeader(n)];
  const index: DeltaPack['index'] = [];
  const offsets = new Float64Array(n).fill(-1);
  let offset = 12;
  const emit = (i: number): void => {
    if (offsets[i] >= 0) return;
    if (base[i] >= 0) emit(base[i]); // at most `depth` deep
    let head: Buffer;
    if (base[i] >= 0) head = Buffer.concat([objectHeader(OFS_DELTA, deltaSize[i]), encodeOfsBack(offset - offsets[base[i]])]);
    else head = objectHeader(types[i], sizes[i]);
    offsets[i] = offset;
    index.push({ oid: oids[i], crc: crc32(bodies[i], crc32(head)), offset });
    parts.push(slab.copy(head), bodies[i]); // in a slab: one small Buffer a header would cost more than its bytes
    offset += head.length + bodies[i].length;
  };
  for (let i = 0; i < n; i++) emit(i);
  return { parts, index, deltas, reused, searched };
}

/** A stored delta's bytes (its stream was checked to inflate to its size when it was read). */
function inflateDelta(delta: StoredDelta, oid: string): Buffer {
  const stored = unwrapStored(delta.packed);
  if (stored) return stored;
  try {
    return inflateSync(delta.packed, { maxOutputLength: Math.max(delta.size, 1) });
  } catch (e) {
    throw corrupt(oid, `its stored delta does not inflate (${(e as Error).message})`);
  }
}

function readChecked(read: (oid: string) => GitObject, oid: string): GitObject {
  const obj = read(oid);
  const id = objectId(obj.type as ObjectType, obj.content);
  if (id !== oid) throw corrupt(oid, `its content hashes to ${id}`);
  return obj;
}

/** Give each object a tree names (in this pack) the name hash of its entry's name. */
function nameChildren(tree: Buffer, oid: string, byOid: Map<string, number>, names: Uint32Array): void {
  let pos = 0;
  while (pos < tree.length) {
    const space = tree.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : tree.indexOf(0, space);
    if (nul < 0 || nul + 21 > tree.length) throw corrupt(oid, `a tree entry is truncated (at byte ${pos})`);
    const child = byOid.get(tree.toString('hex', nul + 1, nul + 21));
    if (child !== undefined && names[child] === 0) names[child] = nameHash(tree, space + 1, nul);
    pos = nul + 21;
  }
}

function compress(data: Buffer, level: number): Buffer {
  return data.length < STORE_BELOW ? zlibStored(data) : deflateSync(data, { level });
}

/**
 * Where the entries are kept until the pack is written: copied one after another into 1 MiB slabs.
 * Kept as they come, each would hold far more than its bytes — deflateSync's answer is often a view
 * of its 16 KiB output buffer, and a small Buffer a slice of Node's shared 8 KiB pool, which the
 * reads' short-lived buffers share — 1.6 GB held for the 99 MB pack of the 0.1 GB scale store.
 */
class Slab {
  private buf = Buffer.allocUnsafe(0);
  private used = 0;

  copy(data: Buffer): Buffer {
    if (data.length > SLAB >> 2) return Buffer.from(data);
    if (this.used + data.length > this.buf.length) {
      this.buf = Buffer.allocUnsafeSlow(SLAB);
      this.used = 0;
    }
    const out = this.buf.subarray(this.used, this.used + data.length);
    data.copy(out);
    this.used += data.length;
    return out;
  }
}

import { crc32, deflateSync } from 'node:zlib';
import { corrupt, objectId, type GitObject, type ObjectType } from '../object.js';
import { DeltaIndex } from './delta.js';
import { encodeOfsBack, objectHeader, OFS_DELTA, packHeader, TYPE_CODE, zlibStored } from './format.js';

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
  deltas: number;
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

/** A pack of the objects `oids` (distinct, in the order their entries are to be laid out), each read by `read`. */
export function deltaPack(oids: readonly Buffer[], read: (oid: string) => GitObject, options: DeltaOptions = DELTA_DEFAULTS): DeltaPack {
  const n = oids.length;
  const hex = oids.map((o) => o.toString('hex'));
  const byOid = new Map<string, number>();
  for (let i = 0; i < n; i++) byOid.set(hex[i], i);
  const types = new Uint8Array(n);
  const sizes = new Float64Array(n);
  const names = new Uint32Array(n);

  // Pass 1: type and size of each, names from trees; every object checked against its id.
  for (let i = 0; i < n; i++) {
    const obj = readChecked(read, hex[i]);
    types[i] = TYPE_CODE[obj.type];
    sizes[i] = obj.content.length;
    if (obj.type === 'tree') nameChildren(obj.content, hex[i], byOid, names);
  }

  // Git's order for finding deltas: type, name hash, size (larger first), newer first.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => types[b] - types[a] || names[b] - names[a] || sizes[b] - sizes[a] || b - a);

  // Pass 2: each object against the window before it.
  const base = new Int32Array(n).fill(-1);
  const depth = new Uint8Array(n);
  const deltaSize = new Float64Array(n);
  const bodies: Buffer[] = new Array(n);
  const slab = new Slab();
  const window: Array<{ i: number; content: Buffer; index?: DeltaIndex }> = [];
  let windowBytes = 0;
  let deltas = 0;
  for (const i of order) {
    const obj = read(hex[i]);
    const content = obj.content;
    if (options.window === 0 && obj.packed) {
      // No search asked for: the stored zlib stream, as it is (what merging did before deltas).
      bodies[i] = slab.copy(obj.packed);
      continue;
    }
    if (content.length !== sizes[i]) throw corrupt(hex[i], `it read back as ${content.length} bytes, then ${sizes[i]}`);
    let best: Buffer | undefined;
    let bestBase = -1;
    const size = content.length;
    if (size >= MIN_DELTA_SIZE && size <= MAX_DELTA_SIZE) {
      for (let w = window.length - 1; w >= 0; w--) {
        const cand = window[w];
        if (types[cand.i] !== types[i] || depth[cand.i] >= options.depth) continue;
        const srcSize = cand.content.length;
        // git's try_delta limits: half the object (or the best so far), less the deeper the chain.
        let max = best ? best.length : Math.floor(size / 2) - 20;
        const refDepth = best ? depth[bestBase] + 1 : 1;
        max = Math.floor((max * (options.depth - depth[cand.i])) / (options.depth - refDepth + 1));
        if (max <= 0) continue;
        if (size > srcSize && size - srcSize >= max) continue;
        if (size < srcSize / 32) continue;
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
    if (size >= MIN_DELTA_SIZE && size <= MAX_DELTA_SIZE) {
      window.push({ i, content });
      windowBytes += size;
      while (window.length > options.window || (window.length > 1 && windowBytes > options.windowBytes)) {
        const out = window.shift()!;
        windowBytes -= out.content.length + (out.index?.bytes ?? 0);
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
    parts.push(head, bodies[i]);
    offset += head.length + bodies[i].length;
  };
  for (let i = 0; i < n; i++) emit(i);
  return { parts, index, deltas };
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

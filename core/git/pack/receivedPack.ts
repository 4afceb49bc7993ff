import * as fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import { corrupt, type GitObject } from '../object.js';
import { ioError } from '../fsio.js';
import { applyDelta, TYPE_CODE, TYPE_NAME } from './format.js';

/**
 * A pack just indexed from a remote (indexPack.ts), read by what indexing learnt of it: for each
 * object the exact byte range of its zlib data, its inflated size, its type and the entry its delta
 * builds on. A fetch checks every commit it would adopt right after indexing (sync/check.ts), in an
 * order that has nothing to do with the pack's: read through the store's pack reader, each object of
 * a 165 MiB clone pack cost a read of a 256 KiB chunk and a walk down a tree's delta chain (trees
 * delta against trees of other timelines), and reading was most of a clone's time (issue 20). Here an
 * object costs one read of its own bytes and an inflate; resolved objects are kept (least recently
 * used first out, up to CACHE_BYTES), so a delta chain is walked down once.
 *
 * The table costs about 50 bytes an object (typed arrays, no object per entry); the file stays open
 * until close(), so the pack may be renamed into the store meanwhile.
 */
export class ReceivedPack {
  /** The ids, 20 bytes each, sorted; `order[k]` is the entry of the k-th. */
  private readonly oids: Buffer;
  private readonly order: Uint32Array;
  /** Per entry: where its zlib data starts and ends, its inflated size, its type code (1–4, or a delta's), the type it resolves to, its base entry (-1: none). */
  private readonly dataAt: Float64Array;
  private readonly endAt: Float64Array;
  private readonly size: Float64Array;
  private readonly resolved: Uint8Array;
  private readonly base: Int32Array;
  /** Per entry: whether a delta builds on it (a blob is kept only then: an event is read once). */
  private readonly isBase: Uint8Array;
  /** The first sorted position of each leading byte, and one past the last (git's fan-out table). */
  private readonly fanout = new Uint32Array(257);
  /**
   * Resolved objects kept, in two generations (a cheap LRU): new ones go into `young`; when it holds
   * half of CACHE_BYTES it becomes `old` and the old `old` is dropped; a hit in `old` moves to `young`.
   * (One Map with the oldest deleted first was quadratic: V8 iterates over a Map's deleted slots.)
   */
  private young = new Map<number, Buffer>();
  private old = new Map<number, Buffer>();
  private youngBytes = 0;
  private fd: number | undefined;

  constructor(
    private readonly file: string,
    entries: ReadonlyArray<{
      oid?: string;
      data: number;
      end: number;
      size: number;
      resolvedType?: number;
      offset: number;
      baseOffset?: number;
      baseOid?: string;
    }>,
  ) {
    const n = entries.length;
    this.dataAt = new Float64Array(n);
    this.endAt = new Float64Array(n);
    this.size = new Float64Array(n);
    this.resolved = new Uint8Array(n);
    this.base = new Int32Array(n).fill(-1);
    this.isBase = new Uint8Array(n);
    const byOffset = new Map<number, number>();
    const byOid = new Map<string, number>();
    entries.forEach((e, i) => {
      byOffset.set(e.offset, i);
      byOid.set(e.oid!, i);
    });
    const sorted = [...byOid.keys()].sort();
    this.oids = Buffer.alloc(20 * sorted.length);
    this.order = new Uint32Array(sorted.length);
    sorted.forEach((oid, k) => {
      this.oids.write(oid, 20 * k, 'hex');
      this.order[k] = byOid.get(oid)!;
      this.fanout[Number.parseInt(oid.slice(0, 2), 16) + 1] = k + 1;
    });
    for (let b = 1; b <= 256; b++) this.fanout[b] = Math.max(this.fanout[b], this.fanout[b - 1]);
    entries.forEach((e, i) => {
      this.dataAt[i] = e.data;
      this.endAt[i] = e.end;
      this.size[i] = e.size;
      this.resolved[i] = e.resolvedType ?? 0;
      if (e.baseOffset !== undefined) this.base[i] = byOffset.get(e.baseOffset) ?? -1;
      else if (e.baseOid !== undefined) this.base[i] = byOid.get(e.baseOid) ?? -1;
      if (this.base[i] >= 0) this.isBase[this.base[i]] = 1;
    });
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (e) {
      throw ioError(e, 'open', file);
    }
  }

  /** How many objects the pack holds. */
  get objects(): number {
    return this.order.length;
  }

  /** The object `oid`, or undefined when this pack does not hold it. */
  read(oid: string): GitObject | undefined {
    const i = this.find(oid);
    if (i < 0) return undefined;
    return { type: TYPE_NAME[this.resolved[i]], content: this.content(i, oid) };
  }

  has(oid: string): boolean {
    return this.find(oid) >= 0;
  }

  /** Let go of the file (reads after this find nothing). */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (fd !== undefined) fs.closeSync(fd);
    } catch {
      /* a file opened only to be read: nothing is lost when its close fails */
    }
    this.young = new Map();
    this.old = new Map();
    this.youngBytes = 0;
  }

  private find(oid: string): number {
    if (this.fd === undefined || !/^[0-9a-f]{40}$/.test(oid)) return -1;
    const key = Buffer.from(oid, 'hex');
    const head = key.readUInt32BE(0);
    let lo = this.fanout[key[0]];
    let hi = this.fanout[key[0] + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      // The first four bytes as a number settle nearly every step without a Buffer.compare call.
      const at = this.oids.readUInt32BE(20 * mid);
      const c = at !== head ? (at < head ? -1 : 1) : this.oids.compare(key, 0, 20, 20 * mid, 20 * mid + 20);
      if (c === 0) return this.order[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Entry `i` inflated and, for a delta, applied to its base: bases first, from the nearest one in the cache. */
  private content(i: number, oid: string): Buffer {
    const chain: number[] = [];
    let at = i;
    let data = this.cached(at);
    if (data) return data;
    while (!data) {
      chain.push(at);
      if (this.base[at] < 0) break;
      at = this.base[at];
      data = this.cached(at);
    }
    // `data` is the nearest cached base, or undefined when the chain ends at a whole object.
    for (let k = chain.length - 1; k >= 0; k--) {
      const e = chain[k];
      const raw = this.inflate(e, oid);
      data = data ? applyDelta(data, raw, (why) => corrupt(oid, `a delta ${why}`)) : raw;
      this.keep(e, data);
    }
    return data!;
  }

  private inflate(i: number, oid: string): Buffer {
    const len = this.endAt[i] - this.dataAt[i];
    const z = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      let got: number;
      try {
        got = fs.readSync(this.fd!, z, done, len - done, this.dataAt[i] + done);
      } catch (e) {
        throw ioError(e, 'read', this.file);
      }
      if (got <= 0) throw corrupt(oid, `the pack ${this.file} ended early`);
      done += got;
    }
    try {
      // An output buffer of the object's size: zlib's default 16 KiB chunk, allocated for every
      // object, tripled the cost of inflating a small tree or commit (and a kept one held all of it).
      return inflateSync(z, { maxOutputLength: Math.max(1, this.size[i]), chunkSize: Math.max(64, this.size[i] + 1) });
    } catch (e) {
      throw corrupt(oid, `it does not inflate (${(e as Error).message})`);
    }
  }

  /** A kept object (a hit in the old generation is moved to the young one). */
  private cached(i: number): Buffer | undefined {
    const hit = this.young.get(i);
    if (hit) return hit;
    const old = this.old.get(i);
    if (old) {
      this.old.delete(i);
      this.put(i, old);
    }
    return old;
  }

  /** Keep a resolved object: a tree, a commit, or a blob a delta builds on, when not too large. */
  private keep(i: number, data: Buffer): void {
    if (data.length > CACHE_BYTES / 8 || (this.resolved[i] === TYPE_CODE.blob && !this.isBase[i]) || this.young.has(i)) return;
    this.put(i, data);
  }

  private put(i: number, data: Buffer): void {
    this.young.set(i, data);
    this.youngBytes += data.length;
    if (this.youngBytes >= CACHE_BYTES / 2) {
      this.old = this.young;
      this.young = new Map();
      this.youngBytes = 0;
    }
  }
}

/** How much resolved content a ReceivedPack keeps (two generations of half as much). */
const CACHE_BYTES = 32 << 20;

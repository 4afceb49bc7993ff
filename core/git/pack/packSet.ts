import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import type { GitObject } from '../object.js';
import { corrupt } from '../object.js';
import { applyDelta, OFS_DELTA, readEntryHeader, readOfsBack, REF_DELTA, TYPE_NAME, unwrapStored } from './format.js';
import { IdxFile } from './idxFile.js';
import { MultiIndex } from './multiIndex.js';
import { PACK_IDX_NAME, type PackIndex } from './packIndex.js';
import { AgentlogError } from '../../errors.js';
import { ioError } from '../fsio.js';

/** A delta as a pack stores it, for reuse in another pack (a gc's merge, compactPacks.ts). */
export interface StoredDelta {
  /** The id of the object it applies to (an offset delta's base named through its pack's index). */
  baseOid: string;
  /** The delta's inflated size (its entry header's). */
  size: number;
  /** Its zlib stream, exactly as stored (checked to inflate to `size` bytes): a view of what was read. */
  packed: Buffer;
}

/** A first read at an entry: enough for a commit or a tree, whatever follows it. */
const WINDOW = 4096;
/** Reads near the one before in the same pack (a timeline being walked) take a chunk this long, aligned. */
const CHUNK = 256 << 10;
/** Chunks kept per PackSet (bytes: CHUNKS × CHUNK = 8 MiB). */
const CHUNKS = 32;
/** Objects kept after they are read (delta chains reuse their bases; a tree is read again and again). */
const OBJECTS = 1024;
const OBJECT_BYTES = 16 << 20;
/** An object larger than this is never kept. */
const OBJECT_MAX = 1 << 20;
/** Packs kept open at once; the least recently used is closed past this. */
const OPEN_FDS = 64;
/**
 * A pack of at most this many objects (an append's, a gc round's) is merged into the in-memory
 * MultiIndex once there are more than UNMERGED small packs; a larger one is looked up in its own
 * .idx (there are few: a gc merges geometrically), so a command that reads a few objects of a store
 * of big packs still reads a few KB of their indexes.
 */
const MERGE_OBJECTS = 8192;
const UNMERGED = 8;

/**
 * The most bytes an entry whose header is at `head` can span in its pack: the header, a delta's base
 * reference, and the zlib stream of `size` bytes with zlib's worst-case overhead (deflateBound is
 * about size/4096 + 13; this is generous). A stream longer than this (valid zlib made oddly) is
 * read again with exact bounds.
 */
function boundOf(head: { type: number; size: number; pos: number }): number {
  return head.pos + (head.type === REF_DELTA ? 20 : head.type === OFS_DELTA ? 10 : 0) + head.size + Math.ceil(head.size / 1000) + 64;
}

/**
 * Reads objects from git pack files (`objects/pack/*.pack` with their version-2 `.idx`), resolving
 * offset and reference deltas, with memory bounded by what is read, not by the packs: each entry is
 * read with a positional read on the pack's open file, bounded by its header's size. A read near the
 * one before it in the same pack (a timeline being walked: its objects were written together) takes
 * an aligned chunk of CHUNK bytes that the next reads share, so a whole timeline costs a few hundred
 * reads, not one per object. Chunks (CHUNKS of them) and recently read objects (OBJECTS, at most
 * OBJECT_BYTES) are kept per PackSet, least recently used first out; at most OPEN_FDS packs are open.
 * An open pack that another writer merges and deletes can still be read through its open file (its
 * objects are in the merged pack too); one deleted before it was opened is looked for again.
 *
 * Finding an object: the pack of the last hit first, then one binary search in the MultiIndex of the
 * small packs (multiIndex.ts), then each other pack's .idx. A writer in one process leaves a pack per
 * append until a gc runs; without the MultiIndex each read probed all of them.
 */
export class PackSet {
  private packs: Pack[] | undefined;
  /** Every pack opened so far, by its .idx file name: a new listing keeps the ones still there. */
  private byName = new Map<string, Pack>();
  private seen = '';
  private incomplete = false;
  /** The last pack (of `probe`) an object was found in. */
  private lastHit: Pack | undefined;
  /** The small packs merged into one table, and the packs looked up one by one (large ones, small ones not merged yet). */
  private merged = MultiIndex.empty<Pack>();
  /** Packs merged since `merged` was last joined: a small table, joined to it once it is a quarter of its size (amortized copies). */
  private recent = MultiIndex.empty<Pack>();
  private mergedSet = new Set<Pack>();
  private probe: Pack[] = [];
  /** How many single-pack .idx searches lookups have made (what the MultiIndex saves; tests read it). */
  idxSearches = 0;
  /** Chunks read, by pack (its id) and start: a pack's bytes never change. */
  private readonly chunks = new Map<number, Buffer>();
  /** Objects read, by pack (its id) and offset, and their bytes in all. */
  private readonly objects = new Map<number, GitObject>();
  /** The id the next pack opened gets (keys are id × 2^40 + offset: exact for packs under 1 TiB). */
  private nextId = 1;
  private objectBytes = 0;
  /** Packs whose file is open, least recently used first. */
  private readonly open = new Set<Pack>();

  constructor(private readonly dir: string) {}

  private names(): string[] {
    try {
      return fs
        .readdirSync(this.dir)
        .filter((n) => PACK_IDX_NAME.test(n))
        .sort();
    } catch {
      return []; // no pack directory yet
    }
  }

  private list(): Pack[] {
    if (!this.packs) this.load(this.names());
    return this.packs!;
  }

  /** Take a listing: packs already open stay open (with what they have read), new ones are opened. */
  private load(names: string[]): void {
    this.seen = names.join('\n');
    this.incomplete = false;
    const byName = new Map<string, Pack>();
    for (const n of names) {
      let pack = this.byName.get(n);
      if (!pack) {
        try {
          pack = new Pack(path.join(this.dir, n.slice(0, -4)), this);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, 'read', path.join(this.dir, n));
          // Merged into a newer pack (which this listing may not show) and deleted meanwhile.
          this.incomplete = true;
          continue;
        }
      }
      byName.set(n, pack);
    }
    for (const [n, pack] of this.byName) if (!byName.has(n)) this.closed(pack);
    this.byName = byName;
    this.packs = [...byName.values()];
    const live = new Set(this.packs);
    if (this.lastHit && !live.has(this.lastHit)) this.lastHit = undefined;
    if (this.merged.packs.some((p) => !live.has(p)) || this.recent.packs.some((p) => !live.has(p))) {
      this.merged = this.merged.with([], (p) => live.has(p));
      this.recent = this.recent.with([], (p) => live.has(p));
      this.mergedSet = new Set([...this.merged.packs, ...this.recent.packs]);
    }
    this.probe = this.packs.filter((p) => !this.mergedSet.has(p));
    this.mergeSmall();
  }

  /** Merge the small packs looked up one by one into the MultiIndex, once there are more than UNMERGED of them. */
  private mergeSmall(): void {
    const small = this.probe.filter((p) => p.count <= MERGE_OBJECTS);
    if (small.length <= UNMERGED) return;
    const added: Array<{ pack: Pack; index: PackIndex }> = [];
    for (const pack of small) {
      try {
        added.push({ pack, index: pack.loadIndex() });
      } catch (e) {
        // Merged and deleted meanwhile: left to be looked up (and found gone) one by one.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.incomplete = true;
      }
    }
    this.recent = this.recent.with(added);
    if (this.recent.size * 4 >= this.merged.size) {
      this.merged = this.merged.joined(this.recent);
      this.recent = MultiIndex.empty();
    }
    this.mergedSet = new Set([...this.merged.packs, ...this.recent.packs]);
    this.probe = this.probe.filter((p) => !this.mergedSet.has(p));
    if (this.lastHit && this.mergedSet.has(this.lastHit)) this.lastHit = undefined;
  }

  /** Forget every pack (one was deleted under us): the next lookup lists and opens them again. */
  private forget(): void {
    for (const pack of this.byName.values()) this.closed(pack);
    this.byName.clear();
    this.packs = undefined;
    this.lastHit = undefined;
    this.merged = MultiIndex.empty();
    this.recent = MultiIndex.empty();
    this.mergedSet.clear();
    this.probe = [];
  }

  /** The pack holding the object whose binary id is `want` and its offset there, or undefined. */
  private locate(want: Buffer): { pack: Pack; offset: number } | undefined {
    this.list();
    // The pack of the last hit first: a timeline's objects were written together.
    const last = this.lastHit;
    if (last) {
      this.idxSearches++;
      const offset = last.find(want);
      if (offset >= 0) return { pack: last, offset };
    }
    const hit = this.merged.find(want) ?? this.recent.find(want);
    if (hit) return hit;
    for (const pack of this.probe) {
      if (pack === last) continue;
      this.idxSearches++;
      const offset = pack.find(want);
      if (offset >= 0) {
        this.lastHit = pack;
        return { pack, offset };
      }
    }
    return undefined;
  }

  /** Close every pack file this set has open (it opens them again if read again). */
  close(): void {
    for (const pack of this.open) pack.close();
    this.open.clear();
  }

  /** Look again at the pack directory; true if it changed. */
  refresh(): boolean {
    const names = this.names();
    if (this.packs && names.join('\n') === this.seen) return false;
    this.load(names);
    return true;
  }

  has(oid: string): boolean {
    const want = Buffer.from(oid, 'hex');
    for (let attempt = 0; ; attempt++) {
      if (this.locate(want)) return true;
      if (!this.incomplete || attempt >= 20) return false;
      this.packs = undefined;
    }
  }

  /**
   * Whether the object is in a pack and its packed bytes, and those of every delta base its entry
   * names, are the bytes the pack's .idx holds a CRC-32 of: a damaged entry is caught without
   * inflating it or applying its deltas. Not a hash of the object (no read of a packed object is:
   * see readPacked); for a caller that knows what the object must be from its id alone (a tree id
   * computed from what it holds, timeline/spineIds.ts) and needs to know only that it is there and
   * whole. False, never an error, when it cannot say (missing, damaged, a pack gone): read it then.
   */
  sound(oid: string | Buffer, depth = 0): boolean {
    try {
      const hit = this.locate(typeof oid === 'string' ? Buffer.from(oid, 'hex') : oid);
      return !!hit && hit.pack.entrySound(hit.offset, depth);
    } catch {
      return false;
    }
  }

  /** Objects being read now: a reference delta whose chain comes back to one of them is a loop. */
  private readonly resolving = new Set<string>();

  read(oid: string): GitObject | undefined {
    if (this.resolving.has(oid)) throw corrupt(oid, 'its chain of reference deltas comes back to it');
    this.resolving.add(oid);
    try {
      return this.readPacked(oid);
    } finally {
      this.resolving.delete(oid);
    }
  }

  private readPacked(oid: string): GitObject | undefined {
    const want = Buffer.from(oid, 'hex');
    for (let attempt = 0; ; attempt++) {
      try {
        const hit = this.locate(want);
        // Packed objects are not re-hashed on read (git does not either): the pack's zlib streams
        // and lengths are checked, and what matters most is checked above this layer — every
        // event's bytes against its CID. `git fsck` checks the rest.
        if (hit) return hit.pack.resolve(hit.offset, oid);
        // Packs vanished while we listed them (another writer merging): the object may be in the
        // merged pack, which appeared after our listing. Look again.
        if (this.incomplete && attempt < 20) {
          this.packs = undefined;
          continue;
        }
        return undefined;
      } catch (e) {
        // A pack merged into another and deleted after we listed it: look again.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 20) throw e;
        this.forget(); // open every pack again
      }
    }
  }

  /**
   * The delta stored for `oid` as it is (its base's id, its size, its zlib stream), or undefined when
   * the entry found for it is a whole object or there is none. The stream is inflated once to find
   * its end; the delta itself is not applied: a caller that copies it checks the object it makes
   * (deltaPack.ts does).
   */
  storedDelta(oid: string): StoredDelta | undefined {
    const hit = this.locate(Buffer.from(oid, 'hex'));
    return hit ? hit.pack.storedDelta(hit.offset, oid) : undefined;
  }

  // ------------------------------------------------------------------------------------------------
  // What the packs share: open files, chunks, objects (each bounded, least recently used out)

  /** A pack opened its file: close the least recently used one past OPEN_FDS. */
  opened(pack: Pack): void {
    this.open.delete(pack);
    this.open.add(pack);
    if (this.open.size > OPEN_FDS) this.closed(this.open.values().next().value as Pack);
  }

  private closed(pack: Pack): void {
    this.open.delete(pack);
    pack.close();
  }

  /** The chunk of `pack` starting at `start` (a multiple of CHUNK), read once and kept a while. */
  /** A small number naming a pack in this set's keys. */
  idFor(): number {
    return this.nextId++;
  }

  chunk(pack: Pack, start: number, read: () => Buffer): Buffer {
    const key = pack.id * 2 ** 40 + start;
    let chunk = this.chunks.get(key);
    if (chunk) this.chunks.delete(key);
    else {
      chunk = read();
      if (this.chunks.size >= CHUNKS) this.chunks.delete(this.chunks.keys().next().value as number);
    }
    this.chunks.set(key, chunk);
    return chunk;
  }

  cached(pack: Pack, offset: number): GitObject | undefined {
    const key = pack.id * 2 ** 40 + offset;
    const obj = this.objects.get(key);
    if (obj) {
      this.objects.delete(key);
      this.objects.set(key, obj);
    }
    return obj;
  }

  keep(pack: Pack, offset: number, obj: GitObject): void {
    const size = obj.content.length;
    if (size > OBJECT_MAX) return;
    const key = pack.id * 2 ** 40 + offset;
    if (this.objects.has(key)) return;
    // Kept without `packed`: the stored stream would keep a whole chunk alive.
    this.objects.set(key, obj.packed ? { type: obj.type, content: obj.content } : obj);
    this.objectBytes += size;
    while (this.objects.size > OBJECTS || this.objectBytes > OBJECT_BYTES) {
      const [oldKey, old] = this.objects.entries().next().value as [number, GitObject];
      this.objects.delete(oldKey);
      this.objectBytes -= old.content.length;
    }
  }
}

class Pack {
  private readonly idx: IdxFile;
  /** How many objects the pack holds. */
  readonly count: number;
  private ends: Float64Array | undefined;
  /** The .idx position of the entry at each of `ends` (entrySound: its CRC-32). */
  private positions: Int32Array | undefined;
  /** Offsets whose entries (and delta bases) entrySound found whole. */
  private readonly soundAt = new Set<number>();
  private fd = -1;
  private size = -1;
  /** Where the last read in this pack started (-1: none yet). */
  private last = -1;
  /** The pack's name (`pack-<hex>`). */
  readonly name: string;
  /** Its number in its PackSet's keys. */
  readonly id: number;

  constructor(
    private readonly base: string,
    private readonly set: PackSet,
  ) {
    this.name = path.basename(base);
    this.id = set.idFor();
    this.idx = new IdxFile(`${base}.idx`, this.name);
    this.count = this.idx.count;
  }

  /** The pack's whole .idx, read now and not kept (for the MultiIndex). */
  loadIndex(): PackIndex {
    return this.idx.load();
  }

  /** The offset of the object whose binary id is `want` in the pack, or -1. */
  find(want: Buffer): number {
    this.set.opened(this); // the lookup may open the .idx
    const i = this.idx.find(want);
    return i < 0 ? -1 : this.idx.offset(i);
  }

  close(): void {
    this.idx.close();
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* closing a file only read from cannot lose anything */
    }
    this.fd = -1;
  }

  /**
   * The object at `offset` (`oid` names it in errors), deltas applied. Kept a while when it is a
   * tree, a commit or a delta's base (`base`); a blob is read once (an event, its CID checked above).
   */
  resolve(offset: number, oid: string, base = false): GitObject {
    const cached = this.set.cached(this, offset);
    if (cached) return cached;
    let obj: GitObject;
    try {
      obj = this.resolveFrom(this.entry(offset, oid, false), offset, oid);
    } catch (e) {
      // An entry read by its header's bound whose zlib stream runs past it (valid, made oddly): read
      // it again bounded by the next entry's offset. Anything else passes as it is.
      if (!(e instanceof AgentlogError && e.data.unbounded === true)) throw e;
      obj = this.resolveFrom(this.entry(offset, oid, true), offset, oid);
    }
    if (base || obj.type !== 'blob') this.set.keep(this, offset, obj);
    return obj;
  }

  /** The delta stored at `offset` as it is (PackSet.storedDelta), or undefined for a whole entry. */
  storedDelta(offset: number, oid: string): StoredDelta | undefined {
    try {
      return this.storedDeltaFrom(this.entry(offset, oid, false), offset, oid);
    } catch (e) {
      if (!(e instanceof AgentlogError && e.data.unbounded === true)) throw e;
      return this.storedDeltaFrom(this.entry(offset, oid, true), offset, oid);
    }
  }

  private storedDeltaFrom(data: Buffer, offset: number, oid: string): StoredDelta | undefined {
    const head = readEntryHeader(data, 0);
    if (!head) throw corrupt(oid, `its entry header at offset ${offset} of ${this.name} is truncated`);
    let pos = head.pos;
    let baseOid: string;
    if (head.type === OFS_DELTA) {
      let back: number;
      ({ back, pos } = readOfsBack(data, pos));
      if (!(back > 0 && offset - back >= 12))
        throw corrupt(oid, `its delta at offset ${offset} of ${this.name} names a base ${back} bytes back, outside the pack`);
      const at = this.oidAt(offset - back);
      if (!at) throw corrupt(oid, `its delta at offset ${offset} of ${this.name} names a base at offset ${offset - back}, where no entry starts`);
      baseOid = at;
    } else if (head.type === REF_DELTA) {
      if (pos + 20 > data.length) throw corrupt(oid, `its entry at offset ${offset} of ${this.name} is truncated`);
      baseOid = data.toString('hex', pos, pos + 20);
      pos += 20;
    } else {
      return undefined;
    }
    const { content, used } = this.inflate(data, pos, head.size, oid);
    if (content.length !== head.size) throw corrupt(oid, `its delta inflates to ${content.length} bytes, not ${head.size}`);
    return { baseOid, size: head.size, packed: data.subarray(pos, pos + used) };
  }

  /** The offsets of the pack's entries in order, and the index position of each (built once, for oidAt). */
  private byOffset: { offsets: Float64Array; at: Int32Array } | undefined;

  /** The id (hex) of the object whose entry starts at `offset`, or undefined when none does. */
  private oidAt(offset: number): string | undefined {
    const idx = this.idx.index();
    if (!this.byOffset) {
      const order = Int32Array.from({ length: this.count }, (_, i) => i).sort((a, b) => idx.offset(a) - idx.offset(b));
      this.byOffset = { offsets: Float64Array.from(order, (i) => idx.offset(i)), at: order };
    }
    const { offsets, at } = this.byOffset;
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length && offsets[lo] === offset ? idx.oid(at[lo]).toString('hex') : undefined;
  }

  private resolveFrom(data: Buffer, offset: number, oid: string): GitObject {
    const head = readEntryHeader(data, 0);
    if (!head) throw corrupt(oid, `its entry header at offset ${offset} of ${this.name} is truncated`);
    const { type, size } = head;
    let pos = head.pos;
    if (type === OFS_DELTA) {
      let back: number;
      ({ back, pos } = readOfsBack(data, pos));
      // A base lies before its delta, after the 12-byte pack header (which also ends any loop).
      if (!(back > 0 && offset - back >= 12))
        throw corrupt(oid, `its delta at offset ${offset} of ${this.name} names a base ${back} bytes back, outside the pack`);
      const base = this.resolve(offset - back, oid, true);
      return { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, size, oid).content, (why) => corrupt(oid, `its delta ${why}`)) };
    }
    if (type === REF_DELTA) {
      const baseOid = data.toString('hex', pos, pos + 20);
      pos += 20;
      const base = this.set.read(baseOid);
      if (!base) throw corrupt(oid, `its delta base ${baseOid} is missing`);
      return { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, size, oid).content, (why) => corrupt(oid, `its delta ${why}`)) };
    }
    if (!TYPE_NAME[type]) throw corrupt(oid, `unknown pack object type ${type}`);
    const { content, used } = this.inflate(data, pos, size, oid);
    if (content.length !== size) throw corrupt(oid, `it inflates to ${content.length} bytes, not ${size}`);
    // The stored stream, for reuse as it is in another pack (a push): exactly its bytes (a view of
    // the chunk or window read; the kept copy drops it, see PackSet.keep).
    return { type: TYPE_NAME[type], content, packed: data.subarray(pos, pos + used) };
  }

  /**
   * The bytes of the entry at `offset`: its header and zlib data, and maybe more after it (a window,
   * a chunk, or the most its header's size allows); `exact`: bounded by the next entry's offset.
   */
  private entry(offset: number, oid: string, exact: boolean): Buffer {
    try {
      return this.entryOf(offset, oid, exact);
    } catch (e) {
      // A pack merged and deleted before we opened it (ENOENT) is looked for again by readPacked;
      // an AgentlogError passes as it is.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof AgentlogError) throw e;
      throw ioError(e, 'read', `${this.base}.pack`);
    }
  }

  private entryOf(offset: number, oid: string, exact: boolean): Buffer {
    if (this.fd < 0) {
      this.fd = fs.openSync(`${this.base}.pack`, 'r');
      this.size = fs.fstatSync(this.fd).size;
    }
    this.set.opened(this);
    if (offset >= this.size - 20) throw corrupt(oid, `its pack offset ${offset} lies past the end of the pack`);
    if (offset < 12) throw corrupt(oid, `its pack offset ${offset} lies in the pack header of ${this.name}`);
    const end = this.size - 20; // the trailing checksum is no entry's
    if (exact) return this.readAt(offset, this.endOf(offset, this.size) - offset, oid);
    const near = this.last >= 0 && Math.abs(offset - this.last) < 4 * CHUNK;
    this.last = offset;
    let view: Buffer;
    if (near) {
      const start = offset - (offset % CHUNK);
      const chunk = this.set.chunk(this, start, () => this.readAt(start, Math.min(CHUNK, end - start), oid));
      view = chunk.subarray(offset - start);
    } else {
      view = this.readAt(offset, Math.min(WINDOW, end - offset), oid);
    }
    let head = readEntryHeader(view, 0);
    if (!head && view.length < WINDOW && offset + view.length < end) {
      // The header runs past the chunk's end: read from the entry itself.
      view = this.readAt(offset, Math.min(WINDOW, end - offset), oid);
      head = readEntryHeader(view, 0);
    }
    if (!head) throw corrupt(oid, `its entry header at offset ${offset} of ${this.name} is truncated`);
    const bound = Math.min(boundOf(head), end - offset);
    return bound <= view.length ? view : this.readAt(offset, bound, oid);
  }

  private readAt(pos: number, length: number, oid: string): Buffer {
    const buf = Buffer.allocUnsafe(length);
    if (fs.readSync(this.fd, buf, 0, length, pos) !== length) throw corrupt(oid, `its pack ${this.name} is truncated`);
    return buf;
  }

  /** Every entry's offset in order, the trailer's last (`ends`), with each one's .idx position (`positions`). */
  private sortOffsets(packLength: number): Float64Array {
    if (!this.ends) {
      const idx = this.idx.index();
      const offsets = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) offsets[i] = idx.offset(i);
      const order = new Int32Array(this.count);
      for (let i = 0; i < this.count; i++) order[i] = i;
      order.sort((a, b) => offsets[a] - offsets[b]);
      const ends = new Float64Array(this.count + 1);
      for (let i = 0; i < this.count; i++) ends[i] = offsets[order[i]];
      ends[this.count] = packLength - 20;
      this.ends = ends;
      this.positions = order;
    }
    return this.ends;
  }

  /** The index in `ends` of the first offset above `pos`. */
  private after(pos: number, packLength: number): number {
    const ends = this.sortOffsets(packLength);
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where the entry starting at `pos` ends: the next entry's offset (or the pack trailer). */
  private endOf(pos: number, packLength: number): number {
    const ends = this.sortOffsets(packLength);
    const lo = this.after(pos, packLength);
    return ends[lo] > pos ? ends[lo] : packLength - 20;
  }

  /**
   * Whether the entry at `offset` is whole: its packed bytes (up to the next entry) match the CRC-32
   * the .idx holds for it, and so do its delta bases' (PackSet.sound). Remembered per offset.
   */
  entrySound(offset: number, depth: number): boolean {
    if (this.soundAt.has(offset)) return true;
    if (depth > 64) return false; // git's longest chains are 50
    if (this.fd < 0) {
      this.fd = fs.openSync(`${this.base}.pack`, 'r');
      this.size = fs.fstatSync(this.fd).size;
    }
    this.set.opened(this);
    if (offset < 12 || offset >= this.size - 20) return false;
    const k = this.after(offset, this.size) - 1;
    if (k < 0 || this.ends![k] !== offset) return false;
    const end = this.ends![k + 1];
    const start = offset - (offset % CHUNK);
    const data =
      end <= start + CHUNK
        ? this.set.chunk(this, start, () => this.readAt(start, Math.min(CHUNK, this.size - 20 - start), 'pack')).subarray(offset - start, end - start)
        : this.readAt(offset, end - offset, 'pack');
    if (data.length !== end - offset || crc32(data) >>> 0 !== this.idx.index().crc(this.positions![k])) return false;
    const head = readEntryHeader(data, 0);
    if (!head) return false;
    if (head.type === OFS_DELTA) {
      const { back } = readOfsBack(data, head.pos);
      if (!(back > 0 && offset - back >= 12) || !this.entrySound(offset - back, depth + 1)) return false;
    } else if (head.type === REF_DELTA) {
      if (!this.set.sound(Buffer.from(data.subarray(head.pos, head.pos + 20)), depth + 1)) return false;
    } else if (!TYPE_NAME[head.type]) return false;
    this.soundAt.add(offset);
    return true;
  }

  /**
   * The zlib stream at data[pos…] inflated to at most `size` bytes (its entry header's size: a
   * stream that makes more is corrupt, and is never held), and how many bytes of `data` it used.
   */
  private inflate(data: Buffer, pos: number, size: number, oid: string): { content: Buffer; used: number } {
    const z = data.subarray(pos);
    const stored = unwrapStored(z);
    if (stored) return { content: stored, used: stored.length + 11 };
    try {
      const { buffer, engine } = inflateSync(z, { info: true, maxOutputLength: Math.max(size, 1) }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      return { content: buffer, used: engine.bytesWritten };
    } catch (e) {
      const why = (e as Error).message;
      // The stream ends past what was read: read again, bounded by the next entry (resolve).
      if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
        throw new AgentlogError('E_OBJECT', `git object ${oid} is corrupt: its packed data does not inflate (${why})`, { oid, unbounded: true });
      throw corrupt(oid, `its packed data does not inflate (${why})`);
    }
  }
}

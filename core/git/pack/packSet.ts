import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { GitObject } from '../object.js';
import { corrupt } from '../object.js';
import { applyDelta, OFS_DELTA, readEntryHeader, readOfsBack, REF_DELTA, TYPE_NAME, unwrapStored } from './format.js';
import { PACK_IDX_NAME, PackIndex } from './packIndex.js';
import { ioError } from '../fsio.js';

const WINDOW = 4096;

/**
 * Whether a window read at an entry surely holds all of it: a whole object whose size (from the
 * entry header) plus zlib's worst-case overhead fits. Deltas and larger objects take exact bounds.
 */
function fitsIn(window: Buffer): boolean {
  const head = readEntryHeader(window, 0);
  if (!head || head.type === OFS_DELTA || head.type === REF_DELTA) return false;
  return head.pos + head.size + head.size / 1000 + 64 <= window.length;
}

/**
 * Reads objects from git pack files (`objects/pack/*.pack` with their version-2 `.idx`), resolving
 * offset and reference deltas. Each pack is read into memory once per process: reading a whole
 * timeline touches most of it, and one read beats thousands of small ones.
 */
export class PackSet {
  private packs: Pack[] | undefined;
  /** Every pack opened so far, by its .idx file name: a new listing keeps the ones still there. */
  private byName = new Map<string, Pack>();
  private seen = '';
  private incomplete = false;

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
          pack = new Pack(path.join(this.dir, n.slice(0, -4)), (oid) => this.read(oid));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, 'read', path.join(this.dir, n));
          // Merged into a newer pack (which this listing may not show) and deleted meanwhile.
          this.incomplete = true;
          continue;
        }
      }
      byName.set(n, pack);
    }
    this.byName = byName;
    this.packs = [...byName.values()];
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
      if (this.list().some((p) => p.find(want) >= 0)) return true;
      if (!this.incomplete || attempt >= 20) return false;
      this.packs = undefined;
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
        for (const pack of this.list()) {
          const offset = pack.find(want);
          // Packed objects are not re-hashed on read (git does not either): the pack's zlib streams
          // and lengths are checked, and what matters most is checked above this layer — every
          // event's bytes against its CID. `git fsck` checks the rest.
          if (offset >= 0) return pack.resolve(offset, oid);
        }
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
        this.byName.clear(); // its data may be gone: open every pack again
        this.packs = undefined;
      }
    }
  }
}

class Pack {
  private readonly idx: PackIndex;
  private data: Buffer | undefined;
  private readonly count: number;
  private readonly bases = new Map<number, GitObject>();
  private ends: Float64Array | undefined;
  private reads = 0;
  private size = -1;

  constructor(
    private readonly base: string,
    private readonly readOther: (oid: string) => GitObject | undefined,
  ) {
    this.idx = new PackIndex(fs.readFileSync(`${base}.idx`), path.basename(base));
    this.count = this.idx.count;
  }

  /** The offset of the object whose binary id is `want` in the pack, or -1. */
  find(want: Buffer): number {
    const i = this.idx.find(want);
    return i < 0 ? -1 : this.idx.offset(i);
  }

  /** The object at `offset` (`oid` names it in errors), deltas applied. */
  resolve(offset: number, oid: string): GitObject {
    const cached = this.bases.get(offset);
    if (cached) return cached;
    const { data, exact } = this.entry(offset, oid);
    const head = readEntryHeader(data, 0);
    if (!head) throw corrupt(oid, `its entry header at offset ${offset} of ${path.basename(this.base)} is truncated`);
    const { type, size } = head;
    let pos = head.pos;
    let obj: GitObject;
    if (type === OFS_DELTA) {
      let back: number;
      ({ back, pos } = readOfsBack(data, pos));
      // A base lies before its delta, after the 12-byte pack header (which also ends any loop).
      if (!(back > 0 && offset - back >= 12))
        throw corrupt(oid, `its delta at offset ${offset} of ${path.basename(this.base)} names a base ${back} bytes back, outside the pack`);
      const base = this.resolve(offset - back, oid);
      obj = { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, oid), (why) => corrupt(oid, `its delta ${why}`)) };
    } else if (type === REF_DELTA) {
      const baseOid = data.toString('hex', pos, pos + 20);
      pos += 20;
      const base = this.readOther(baseOid);
      if (!base) throw corrupt(oid, `its delta base ${baseOid} is missing`);
      obj = { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, oid), (why) => corrupt(oid, `its delta ${why}`)) };
    } else if (TYPE_NAME[type]) {
      const content = this.inflate(data, pos, oid);
      if (content.length !== size) throw corrupt(oid, `it inflates to ${content.length} bytes, not ${size}`);
      // The stored stream can be reused as it is only when the read was bounded to this entry.
      obj = exact ? { type: TYPE_NAME[type], content, packed: data.subarray(pos) } : { type: TYPE_NAME[type], content };
    } else {
      throw corrupt(oid, `unknown pack object type ${type}`);
    }
    // Keep recent objects: delta chains reuse their bases.
    if (this.bases.size > 256) this.bases.delete(this.bases.keys().next().value as number);
    this.bases.set(offset, obj);
    return obj;
  }

  /**
   * The bytes of the entry at `offset` (header and zlib data). The first few entries are read
   * with positional reads (opening a store to read its tip touches a handful of objects); after
   * that the whole pack is read once, since reading a timeline touches most of it.
   */
  private entry(offset: number, oid: string): { data: Buffer; exact: boolean } {
    try {
      return this.entryOf(offset, oid);
    } catch (e) {
      // A pack merged and deleted meanwhile (ENOENT) is looked for again by readPacked; an
      // AgentlogError passes as it is.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      throw ioError(e, 'read', `${this.base}.pack`);
    }
  }

  private entryOf(offset: number, oid: string): { data: Buffer; exact: boolean } {
    if (!this.data && this.reads++ >= 32) this.data = fs.readFileSync(`${this.base}.pack`);
    if (this.data) {
      if (offset >= this.data.length - 20) throw corrupt(oid, `its pack offset ${offset} lies past the end of the pack`);
      return { data: this.data.subarray(offset, this.endOf(offset, this.data.length)), exact: true };
    }
    const fd = fs.openSync(`${this.base}.pack`, 'r');
    try {
      if (this.size < 0) this.size = fs.fstatSync(fd).size;
      if (offset >= this.size - 20) throw corrupt(oid, `its pack offset ${offset} lies past the end of the pack`);
      // A small window first: enough for a small object (a commit, a tree) whatever follows it, so
      // the entry bounds (all offsets, sorted) are only worked out for a large one.
      const windowLength = Math.min(WINDOW, this.size - 20 - offset);
      const window = Buffer.allocUnsafe(windowLength);
      if (fs.readSync(fd, window, 0, windowLength, offset) !== windowLength) throw corrupt(oid, 'its pack is truncated');
      if (fitsIn(window)) return { data: window, exact: false };
      const buf = Buffer.allocUnsafe(this.endOf(offset, this.size) - offset);
      if (fs.readSync(fd, buf, 0, buf.length, offset) !== buf.length) throw corrupt(oid, 'its pack is truncated');
      return { data: buf, exact: true };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Where the entry starting at `pos` ends: the next entry's offset (or the pack trailer). */
  private endOf(pos: number, packLength: number): number {
    if (!this.ends) {
      const offsets = new Float64Array(this.count + 1);
      for (let i = 0; i < this.count; i++) offsets[i] = this.idx.offset(i);
      offsets[this.count] = packLength - 20;
      this.ends = offsets.sort();
    }
    const ends = this.ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= pos) lo = mid + 1;
      else hi = mid;
    }
    return ends[lo] > pos ? ends[lo] : packLength - 20;
  }

  private inflate(data: Buffer, pos: number, oid: string): Buffer {
    const stored = unwrapStored(data.subarray(pos));
    if (stored) return stored;
    try {
      return inflateSync(data.subarray(pos));
    } catch (e) {
      throw corrupt(oid, `its packed data does not inflate (${(e as Error).message})`);
    }
  }
}

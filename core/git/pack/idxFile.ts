import * as fs from 'node:fs';
import { ioError } from '../fsio.js';
import { corrupt } from '../object.js';
import { PackIndex } from './packIndex.js';

const FANOUT = 8;
const NAMES = FANOUT + 256 * 4;
/** Lookups answered with positional reads before the whole index is read into memory. */
const LOOKUPS_BEFORE_LOAD = 256;
/** An index this small (an append's pack) is read whole when opened: one read either way. */
const SMALL_INDEX = 16 << 10;

/**
 * A pack's version-2 `.idx` (packIndex.ts states the layout), read from its file as it is used: at
 * first only its header and fan-out table, each lookup a binary search by positional reads of
 * 20-byte ids (a command that reads a few objects of a store of large packs reads a few KB of their
 * indexes, not all of them); after LOOKUPS_BEFORE_LOAD lookups in one pack (a whole timeline being
 * read), the whole index, once. The checks are PackIndex's: the header and the size of the fixed
 * tables when it is opened, the fan-out table and large offsets when they are used, every problem an
 * E_OBJECT error naming the pack.
 */
export class IdxFile {
  readonly count: number;
  private whole: PackIndex | undefined;
  private fd = -1;
  private readonly fanout: Buffer;
  private lookups = 0;
  private readonly one = Buffer.allocUnsafe(20);

  constructor(
    private readonly file: string,
    /** The pack's name, for errors. */
    readonly name: string,
  ) {
    this.fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(this.fd).size;
      const small = size <= SMALL_INDEX;
      const head = Buffer.alloc(small ? size : NAMES);
      const got = size >= NAMES + 40 ? fs.readSync(this.fd, head, 0, head.length, 0) : 0;
      if (got !== head.length || !PackIndex.isVersion2(head)) throw corrupt(name, 'its .idx is not a version-2 pack index');
      this.fanout = small ? Buffer.from(head.subarray(0, NAMES)) : head;
      this.count = head.readUInt32BE(FANOUT + 255 * 4);
      if (size < NAMES + this.count * 28 + 40) throw corrupt(name, 'its .idx is truncated');
      if (small) this.whole = new PackIndex(head, name);
    } finally {
      this.close(); // opened again when a lookup reads it (the pack's owner closes it, PackSet's OPEN_FDS)
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* only read from */
    }
    this.fd = -1;
  }

  /** The whole index in memory (read now if it is not yet). */
  index(): PackIndex {
    if (!this.whole) {
      this.whole = this.load();
      this.close();
    }
    return this.whole;
  }

  /** The whole index, not kept here after this (a caller that merges it into a MultiIndex keeps only that). */
  load(): PackIndex {
    if (this.whole) {
      const whole = this.whole;
      this.whole = undefined;
      this.lookups = 0;
      return whole;
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      throw ioError(e, 'read', this.file);
    }
    return new PackIndex(bytes, this.name);
  }

  /** The position (0 … count-1, in id order) of the object whose binary id is `want`, or -1. */
  find(want: Uint8Array): number {
    if (this.whole || ++this.lookups > LOOKUPS_BEFORE_LOAD) return this.index().find(want);
    const first = want[0];
    let lo = first === 0 ? 0 : this.fanout.readUInt32BE(FANOUT + (first - 1) * 4);
    let hi = this.fanout.readUInt32BE(FANOUT + first * 4);
    if (lo > hi || hi > this.count) throw corrupt(this.name, 'its .idx fan-out table is inconsistent');
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = Buffer.compare(want, this.read(NAMES + mid * 20, 20));
      if (cmp === 0) return mid;
      if (cmp > 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Where the object at position `i` starts in its pack. */
  offset(i: number): number {
    if (this.whole) return this.whole.offset(i);
    const v = this.read(NAMES + this.count * 24 + i * 4, 4).readUInt32BE(0);
    // An offset past 2 GiB is in the large table: read with the whole index, which checks its bounds.
    return (v & 0x80000000) === 0 ? v : this.index().offset(i);
  }

  /** `length` bytes at `pos`. A file gone (merged and deleted: ENOENT) is looked for again by PackSet; any other errno is E_IO. */
  private read(pos: number, length: number): Buffer {
    const buf = length === 20 ? this.one : Buffer.allocUnsafe(length);
    let got: number;
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.file, 'r');
      got = fs.readSync(this.fd, buf, 0, length, pos);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      throw ioError(e, 'read', this.file);
    }
    if (got !== length) throw corrupt(this.name, 'its .idx is truncated');
    return buf;
  }
}

import type { PackIndex } from './packIndex.js';

/**
 * Many small packs' indexes merged into one sorted table in memory (git's multi-pack-index, kept in
 * memory only, never written): finding an object among them is one binary search, not one per pack.
 * A writer that leaves a pack per append (until a gc merges them) would otherwise make every read
 * probe every pack in turn: 3,000 packs made reading a 3,000-event timeline 14 s of CPU.
 *
 * Three typed arrays in object id order (20-byte ids, the pack each is in, its offset there) and a
 * fan-out table by first byte. Immutable: `with` returns a new table, merging the new packs' entries
 * (sorted) into the kept ones in one linear pass. The same object may be in two packs (a gc's merged
 * pack beside the packs it replaces): either copy is the object. Memory: 32 bytes per object.
 */
export class MultiIndex<P> {
  private readonly fanout: Uint32Array;

  private constructor(
    /** The packs covered, in the order `packOf` numbers them. */
    readonly packs: readonly P[],
    private readonly oids: Buffer,
    private readonly packOf: Uint32Array,
    private readonly offsets: Float64Array,
  ) {
    const fanout = new Uint32Array(257);
    for (let i = 0; i < packOf.length; i++) fanout[oids[i * 20] + 1]++;
    for (let b = 0; b < 256; b++) fanout[b + 1] += fanout[b];
    this.fanout = fanout;
  }

  static empty<P>(): MultiIndex<P> {
    return new MultiIndex<P>([], Buffer.alloc(0), new Uint32Array(0), new Float64Array(0));
  }

  /** How many entries the table holds. */
  get size(): number {
    return this.packOf.length;
  }

  /** The pack holding the object whose binary id is `want`, and its offset there; undefined when none of them does. */
  find(want: Uint8Array): { pack: P; offset: number } | undefined {
    const ids = this.oids;
    let lo = this.fanout[want[0]];
    let hi = this.fanout[want[0] + 1];
    // Bytes 1-4 of the id compared as a number first, as PackIndex.find does.
    const head = ((want[1] << 24) | (want[2] << 16) | (want[3] << 8) | want[4]) >>> 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = mid * 20;
      const got = ids.readUInt32BE(at + 1);
      const cmp = got !== head ? got - head : ids.compare(want, 0, 20, at, at + 20);
      if (cmp === 0) return { pack: this.packs[this.packOf[mid]], offset: this.offsets[mid] };
      if (cmp > 0) hi = mid;
      else lo = mid + 1;
    }
    return undefined;
  }

  /**
   * This table and `other` as one, linear in both (`other`'s packs numbered after this one's): a
   * table of recent packs, merged into often while it is small, joins the large one only once it
   * is a quarter of its size, so each entry is copied O(log n) times however many packs come.
   */
  joined(other: MultiIndex<P>): MultiIndex<P> {
    const shift = this.packs.length;
    const total = this.size + other.size;
    const oids = Buffer.allocUnsafe(total * 20);
    const packOf = new Uint32Array(total);
    const offsets = new Float64Array(total);
    let i = 0;
    let j = 0;
    for (let o = 0; o < total; o++) {
      if (j >= other.size || (i < this.size && compareAt(this.oids, i * 20, other.oids, j * 20) <= 0)) {
        this.oids.copy(oids, o * 20, i * 20, i * 20 + 20);
        packOf[o] = this.packOf[i];
        offsets[o] = this.offsets[i++];
      } else {
        other.oids.copy(oids, o * 20, j * 20, j * 20 + 20);
        packOf[o] = other.packOf[j] + shift;
        offsets[o] = other.offsets[j++];
      }
    }
    return new MultiIndex([...this.packs, ...other.packs], oids, packOf, offsets);
  }

  /**
   * This table without the packs `keep` refuses, and with every object of `added` (each pack with its
   * whole .idx, read by the caller). Linear in the entries kept, plus a sort of the ones added.
   */
  with(added: ReadonlyArray<{ pack: P; index: PackIndex }>, keep: (pack: P) => boolean = () => true): MultiIndex<P> {
    // The packs kept, renumbered; then the added ones after them.
    const renumber = new Int32Array(this.packs.length).fill(-1);
    const packs: P[] = [];
    this.packs.forEach((p, i) => {
      if (keep(p)) renumber[i] = packs.push(p) - 1;
    });
    // The new entries, sorted by id: their ids copied into one buffer, an order array sorted over it.
    let count = 0;
    for (const a of added) count += a.index.count;
    const newIds = Buffer.allocUnsafe(count * 20);
    const newPack = new Uint32Array(count);
    const newOffset = new Float64Array(count);
    let n = 0;
    for (const a of added) {
      const p = packs.push(a.pack) - 1;
      for (let i = 0; i < a.index.count; i++, n++) {
        a.index.oid(i).copy(newIds, n * 20);
        newPack[n] = p;
        newOffset[n] = a.index.offset(i);
      }
    }
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => compareAt(newIds, a * 20, newIds, b * 20));
    // Merge the kept entries and the new ones, both in id order.
    let kept = 0;
    for (let i = 0; i < this.packOf.length; i++) if (renumber[this.packOf[i]] >= 0) kept++;
    const total = kept + count;
    const oids = Buffer.allocUnsafe(total * 20);
    const packOf = new Uint32Array(total);
    const offsets = new Float64Array(total);
    let i = 0;
    let j = 0;
    for (let o = 0; o < total; o++) {
      while (i < this.packOf.length && renumber[this.packOf[i]] < 0) i++;
      const takeOld = i < this.packOf.length && (j >= count || compareAt(this.oids, i * 20, newIds, order[j] * 20) <= 0);
      if (takeOld) {
        this.oids.copy(oids, o * 20, i * 20, i * 20 + 20);
        packOf[o] = renumber[this.packOf[i]];
        offsets[o] = this.offsets[i];
        i++;
      } else {
        const k = order[j++];
        newIds.copy(oids, o * 20, k * 20, k * 20 + 20);
        packOf[o] = newPack[k];
        offsets[o] = newOffset[k];
      }
    }
    return new MultiIndex(packs, oids, packOf, offsets);
  }
}

/** Byte order of the 20-byte ids at a[i…] and b[j…]. */
function compareAt(a: Buffer, i: number, b: Buffer, j: number): number {
  for (let k = 0; k < 20; k++) {
    const d = a[i + k] - b[j + k];
    if (d !== 0) return d;
  }
  return 0;
}

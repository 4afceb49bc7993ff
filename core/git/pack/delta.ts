/**
 * git deltas made the way git's diff-delta.c makes them (the ideas, not its code): the base is cut
 * into BLOCK-byte blocks, each block's rolling hash goes into a hash table (at most BUCKET_LIMIT
 * blocks a bucket, so a base of one repeated byte cannot make the search quadratic); the target is
 * scanned with the same rolling hash, and at each position the blocks of its bucket are compared
 * forwards (and the best one backwards into what was about to be inserted): the longest match
 * becomes a copy, anything else an insert. Every step is bounded: building the index is linear in
 * the base, a scan costs at most BUCKET_LIMIT comparisons a target byte, and a copy is at most
 * MAX_COPY bytes long, so making a delta is linear in the sizes of base and target.
 *
 * The format (what format.ts applyDelta reads): the base's size and the target's as varints, then
 * copies (0x80 | which offset and size bytes follow) and inserts (1–127 literal bytes).
 */

/** Bytes a block (and the rolling hash's window) spans. */
const BLOCK = 16;
/** Blocks kept in one hash bucket: more are left out (a base of repeats stays linear to search). */
const BUCKET_LIMIT = 32;
/** The longest copy one op makes (git's copy sizes are 3 bytes; 0 means 0x10000). */
const MAX_COPY = 0xffffff;
/** The rolling hash's multiplier, and MUL to the power BLOCK - 1 (both mod 2^32). */
const MUL = 0x01000193;
const MUL_TOP = powMod32(MUL, BLOCK - 1);

function powMod32(b: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, b);
  return r;
}

/** The hash of data[pos, pos + BLOCK). */
function blockHash(data: Uint8Array, pos: number): number {
  let h = 0;
  for (let i = 0; i < BLOCK; i++) h = (Math.imul(h, MUL) + data[pos + i]) | 0;
  return h;
}

/** A base prepared for deltas against it: its blocks by rolling hash. */
export class DeltaIndex {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly shift: number;

  constructor(readonly base: Uint8Array) {
    const blocks = Math.floor(base.length / BLOCK);
    let bits = 4;
    while (1 << bits < blocks && bits < 24) bits++;
    this.shift = 32 - bits;
    this.heads = new Int32Array(1 << bits).fill(-1);
    this.next = new Int32Array(blocks);
    const counts = new Uint8Array(1 << bits);
    // From the last block back: a bucket's chain then starts at its first block, and when it is full
    // the later blocks are the ones left out.
    for (let b = blocks - 1; b >= 0; b--) {
      const slot = blockHash(base, b * BLOCK) >>> this.shift;
      if (counts[slot] >= BUCKET_LIMIT) {
        // Full: the newest block replaces the chain's head, the chain keeps its length.
        this.next[b] = this.next[this.heads[slot]];
        this.heads[slot] = b;
        continue;
      }
      counts[slot]++;
      this.next[b] = this.heads[slot];
      this.heads[slot] = b;
    }
  }

  /** Bytes this index holds (its tables), for a window's memory bound. */
  get bytes(): number {
    return this.heads.byteLength + this.next.byteLength;
  }

  /**
   * A delta turning the base into `target`, or undefined when it would be longer than `maxSize`
   * bytes or shorter than git takes (then the caller stores the target whole, or tries another base).
   */
  delta(target: Uint8Array, maxSize: number): Buffer | undefined {
    const base = this.base;
    const out = new DeltaWriter(Math.min(maxSize, target.length + 64) + 16);
    out.varint(base.length);
    out.varint(target.length);
    let pending = 0; // where the bytes waiting to be inserted start
    let pos = 0;
    const end = target.length;
    let h = end >= BLOCK ? blockHash(target, 0) : 0;
    while (pos + BLOCK <= end) {
      let best = 0;
      let bestAt = 0;
      let b = this.heads[h >>> this.shift];
      const room = Math.min(end - pos, MAX_COPY);
      for (let tries = 0; b >= 0 && tries < BUCKET_LIMIT; tries++, b = this.next[b]) {
        const at = b * BLOCK;
        const most = Math.min(room, base.length - at);
        if (most <= best) continue;
        let n = 0;
        while (n < most && base[at + n] === target[pos + n]) n++;
        if (n > best) {
          best = n;
          bestAt = at;
          if (n === room) break;
        }
      }
      if (best < BLOCK) {
        // No match worth a copy: this byte is inserted; the hash rolls one byte on.
        if (out.length + pos - pending > maxSize) return undefined;
        if (pos + BLOCK < end) h = (Math.imul(h - Math.imul(target[pos], MUL_TOP), MUL) + target[pos + BLOCK]) | 0;
        pos++;
        continue;
      }
      // Grow the match backwards over bytes about to be inserted.
      while (pos > pending && bestAt > 0 && base[bestAt - 1] === target[pos - 1] && best < MAX_COPY) {
        pos--;
        bestAt--;
        best++;
      }
      out.insert(target, pending, pos);
      out.copy(bestAt, best);
      pos += best;
      pending = pos;
      if (out.length > maxSize) return undefined;
      if (pos + BLOCK <= end) h = blockHash(target, pos);
    }
    out.insert(target, pending, end);
    // git refuses a delta shorter than 4 bytes (an empty base and target): store such an object whole.
    return out.length > maxSize || out.length < 4 ? undefined : out.finish();
  }
}

/** The bytes of a delta as they are made, in a buffer that grows when it must. */
class DeltaWriter {
  private buf: Buffer;
  length = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 32));
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  varint(n: number): void {
    this.room(10);
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (n > 0);
  }

  /** Insert data[from, to) as ops of at most 127 literal bytes. */
  insert(data: Uint8Array, from: number, to: number): void {
    while (from < to) {
      const n = Math.min(127, to - from);
      this.room(n + 1);
      this.buf[this.length++] = n;
      this.buf.set(data.subarray(from, from + n), this.length);
      this.length += n;
      from += n;
    }
  }

  /** Copy `len` (≤ MAX_COPY) bytes of the base from `off`: only the non-zero bytes of each are written. */
  copy(off: number, len: number): void {
    this.room(8);
    const at = this.length++;
    let op = 0x80;
    for (let i = 0; i < 4; i++) {
      const b = Math.floor(off / 2 ** (8 * i)) & 0xff;
      if (b) {
        op |= 1 << i;
        this.buf[this.length++] = b;
      }
    }
    for (let i = 0; i < 3; i++) {
      const b = (len >> (8 * i)) & 0xff;
      if (b) {
        op |= 0x10 << i;
        this.buf[this.length++] = b;
      }
    }
    this.buf[at] = op;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

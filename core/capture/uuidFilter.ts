/**
 * A set of uuids that answers "surely not seen" or "maybe seen", in about 4 bytes a uuid: a scalable
 * Bloom filter (a new layer, twice as large, whenever the last one holds its share), kept in capture's
 * per-file state instead of every uuid of the session (4 bytes a uuid instead of 39). A wrong "maybe" only sends a capture to the
 * whole-file import (claudeWalk.ts), never changes what is stored.
 */
import { createHash } from 'node:crypto';

export interface UuidFilter {
  /** Each layer: its bits (base64) and how many uuids it holds. */
  layers: { bits: string; count: number }[];
}

// About 3e-7 wrong "maybe"s a full layer (a capture asks a few times a turn).
const BITS_PER_ITEM = 32;
const HASHES = 16;
const FIRST_BITS = 1 << 15;

export class UuidSet {
  private readonly layers: { bits: Uint8Array; count: number }[];

  constructor(f?: UuidFilter) {
    this.layers = (f?.layers ?? []).map((l) => ({ bits: new Uint8Array(Buffer.from(l.bits, 'base64')), count: l.count }));
  }

  /** False: surely not added; true: added, or (rarely) not. */
  has(uuid: string): boolean {
    const [h1, h2] = hashes(uuid);
    return this.layers.some((l) => {
      const m = l.bits.length * 8;
      for (let i = 0; i < HASHES; i++) {
        const b = probe(h1, h2, i) % m;
        if (!(l.bits[b >>> 3] & (1 << (b & 7)))) return false;
      }
      return true;
    });
  }

  add(uuid: string): void {
    let last = this.layers[this.layers.length - 1];
    if (!last || last.count * BITS_PER_ITEM >= last.bits.length * 8) {
      last = { bits: new Uint8Array((last ? last.bits.length * 2 : FIRST_BITS / 8) | 0), count: 0 };
      this.layers.push(last);
    }
    const m = last.bits.length * 8;
    const [h1, h2] = hashes(uuid);
    for (let i = 0; i < HASHES; i++) {
      const b = probe(h1, h2, i) % m;
      last.bits[b >>> 3] |= 1 << (b & 7);
    }
    last.count++;
  }

  toJSON(): UuidFilter {
    return { layers: this.layers.map((l) => ({ bits: Buffer.from(l.bits).toString('base64'), count: l.count })) };
  }
}

/**
 * The i-th bit to look at: enhanced double hashing (Dillinger and Manolios), h1 + i·h2 + (i³ - i)/6.
 * Plain h1 + i·h2 over a small power-of-two layer lets keys share most of their bits: about 1e-5
 * wrong "maybe"s instead of the 3e-7 the bits alone give.
 */
function probe(h1: number, h2: number, i: number): number {
  return (h1 + i * h2 + (i * i * i - i) / 6) >>> 0;
}

/** Two 32-bit hashes of the string for double hashing, from its SHA-256 (a uuid's characters vary little). */
function hashes(s: string): [number, number] {
  const d = createHash('sha256').update(s).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4) | 1];
}

import { isAscii } from 'node:buffer';
import { cidFromBytes } from './cid.js';
import { MAX_DEPTH, type IpldValue } from './ipldValue.js';
import { AgentlogError, isAgentlogError } from '../errors.js';

/**
 * The strict DAG-CBOR reader (dagcbor.ts states the profile): any encoding that is not the canonical
 * one is an E_CODEC error naming the byte offset, never a different value.
 */
const TWO_32 = 2 ** 32;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Buffer's native latin1 copy, applied to any Uint8Array (no Buffer view needed). It is not a
 * documented method: where it is missing, the documented way (a Buffer view and toString).
 */
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice: Latin1Slice =
  (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ??
  function (this: Uint8Array, start: number, end: number) {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end);
  };

/**
 * The same bytes as one latin1 string, for decoding many values out of one big buffer (the event
 * cache): an ASCII string inside is then a slice of `text` (V8 makes a small view of it, no copy),
 * where copying 40 MB of tool output into new strings, and the garbage collector copying them
 * again, would cost more than the rest of decoding. A slice keeps all of `text` alive.
 * `offset`: where the bytes being decoded start in `text`.
 */
export interface Latin1Source {
  text: string;
  offset: number;
}

/** Strings this long or longer are sliced from a Latin1Source (V8 copies shorter slices anyway). */
const SLICE_MIN = 64;

/**
 * Short ASCII strings seen before (map keys, roles, block types), by a hash of their bytes: the
 * same few strings repeat in every event, and one string each saves allocating it again.
 */
const SHORT_MAX = 24;
const shortStrings: Array<string | undefined> = new Array(4096).fill(undefined);

/** Decode canonical DAG-CBOR bytes; anything non-canonical throws an AgentlogError (E_CODEC). */
export function decode(bytes: Uint8Array, source?: Latin1Source): IpldValue {
  const r = new Reader(bytes, source);
  const value = r.value(0);
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} trailing byte(s) after the value`, r.pos);
  return value;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  constructor(
    bytes: Uint8Array,
    private readonly source?: Latin1Source,
  ) {
    // A plain Uint8Array view even when given a Buffer: its subarrays are much cheaper to make
    // (a Buffer's go through Buffer's constructor), and decoding makes one per link and string.
    this.bytes = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string, at = this.pos): never {
    throw new AgentlogError('E_CODEC', `DAG-CBOR decode: ${message} (byte ${at})`, { offset: at });
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`truncated: needs ${n} more byte(s)`);
  }

  /** The argument of a head byte: shortest form only; returns a number, or a bigint beyond 2^53. */
  private arg(info: number, start: number): number | bigint {
    if (info < 24) return info;
    let v: number | bigint;
    switch (info) {
      case 24:
        this.need(1);
        v = this.bytes[this.pos];
        this.pos += 1;
        if (v < 24) this.fail('integer or length not in its shortest form', start);
        return v;
      case 25:
        this.need(2);
        v = this.view.getUint16(this.pos);
        this.pos += 2;
        if (v < 0x100) this.fail('integer or length not in its shortest form', start);
        return v;
      case 26:
        this.need(4);
        v = this.view.getUint32(this.pos);
        this.pos += 4;
        if (v < 0x10000) this.fail('integer or length not in its shortest form', start);
        return v;
      case 27: {
        this.need(8);
        const hi = this.view.getUint32(this.pos);
        const lo = this.view.getUint32(this.pos + 4);
        this.pos += 8;
        if (hi === 0) this.fail('integer or length not in its shortest form', start);
        if (hi < 0x200000) return hi * TWO_32 + lo;
        return (BigInt(hi) << 32n) | BigInt(lo);
      }
      case 31:
        return this.fail('indefinite-length items are not allowed', start);
      default:
        return this.fail(`reserved additional information ${info}`, start);
    }
  }

  private length(info: number, start: number): number {
    const n = this.arg(info, start);
    if (typeof n !== 'number' || n > this.bytes.length) this.fail('length runs past the end of the input', start);
    return n;
  }

  value(depth: number): IpldValue {
    if (depth > MAX_DEPTH) this.fail(`nests deeper than ${MAX_DEPTH} levels`);
    this.need(1);
    const start = this.pos;
    const head = this.bytes[this.pos++];
    const major = head >> 5;
    const info = head & 31;
    switch (major) {
      case 0:
        return this.arg(info, start);
      case 1: {
        const n = this.arg(info, start);
        if (typeof n === 'number') {
          const v = -1 - n;
          return Number.isSafeInteger(v) ? v : -1n - BigInt(n);
        }
        return -1n - n;
      }
      case 2: {
        const len = this.length(info, start);
        this.need(len);
        const out = this.bytes.slice(this.pos, this.pos + len);
        this.pos += len;
        return out;
      }
      case 3:
        return this.string(info, start);
      case 4: {
        const len = this.length(info, start);
        const out: IpldValue[] = new Array(len);
        for (let i = 0; i < len; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case 5:
        return this.map(info, start, depth);
      case 6: {
        const tag = this.arg(info, start);
        if (tag !== 42) this.fail(`tag ${tag} is not allowed (only 42, a CID link)`, start);
        this.need(1);
        const inner = this.bytes[this.pos];
        if (inner >> 5 !== 2) this.fail('tag 42 must wrap a byte string', this.pos);
        const bytes = this.value(depth + 1) as Uint8Array;
        if (bytes.length < 2 || bytes[0] !== 0) this.fail('a CID link must start with the 0x00 multibase prefix', start);
        try {
          return cidFromBytes(bytes.subarray(1));
        } catch (e) {
          const reason = isAgentlogError(e) && typeof e.data.reason === 'string' ? e.data.reason : (e as Error).message;
          return this.fail(`tag 42 holds bytes that are not a CID (${reason})`, start);
        }
      }
      default:
        return this.simple(info, start);
    }
  }

  private string(info: number, start: number): string {
    const len = this.length(info, start);
    this.need(len);
    const b = this.bytes;
    const begin = this.pos;
    const end = begin + len;
    this.pos = end;
    if (len < SLICE_MIN) {
      let ascii = true;
      let hash = len;
      for (let i = begin; i < end; i++) {
        const c = b[i];
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        hash = (Math.imul(hash, 31) + c) | 0;
      }
      if (ascii) {
        if (len === 0) return '';
        if (len > SHORT_MAX) return String.fromCharCode.apply(null, b.subarray(begin, end) as unknown as number[]);
        const slot = (hash ^ (hash >>> 12)) & 4095;
        const known = shortStrings[slot];
        if (known !== undefined && known.length === len) {
          let same = true;
          for (let i = 0; i < len; i++) {
            if (known.charCodeAt(i) !== b[begin + i]) {
              same = false;
              break;
            }
          }
          if (same) return known;
        }
        const made = String.fromCharCode.apply(null, b.subarray(begin, end) as unknown as number[]);
        shortStrings[slot] = made;
        return made;
      }
    }
    const view = b.subarray(begin, end);
    // Most long strings (tool outputs) are ASCII: a native check, then a slice of the source or a
    // latin1 copy, beat UTF-8 decoding.
    if (isAscii(view)) {
      const src = this.source;
      return src !== undefined && len >= SLICE_MIN ? src.text.slice(src.offset + begin, src.offset + end) : latin1Slice.call(b, begin, end);
    }
    try {
      return utf8.decode(view);
    } catch {
      return this.fail('string is not valid UTF-8', start);
    }
  }

  private map(info: number, start: number, depth: number): { [key: string]: IpldValue } {
    const len = this.length(info, start);
    const out: { [key: string]: IpldValue } = {};
    let prevStart = -1;
    let prevEnd = -1;
    for (let i = 0; i < len; i++) {
      this.need(1);
      const keyStart = this.pos;
      const keyHead = this.bytes[this.pos++];
      if (keyHead >> 5 !== 3) this.fail('map keys must be strings', keyStart);
      const key = this.string(keyHead & 31, keyStart);
      const keyEnd = this.pos;
      if (prevStart >= 0) {
        const order = compareKeys(this.bytes, prevStart, prevEnd, keyStart, keyEnd);
        if (order === 0) this.fail(`duplicate map key "${key}"`, keyStart);
        if (order > 0) this.fail(`map key "${key}" is out of canonical order`, keyStart);
      }
      prevStart = keyStart;
      prevEnd = keyEnd;
      const value = this.value(depth + 1);
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
    }
    return out;
  }

  private simple(info: number, start: number): IpldValue {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return this.fail('undefined is not allowed', start);
      case 25:
      case 26:
        return this.fail('floats must be 64-bit', start);
      case 27: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        if (!Number.isFinite(v)) this.fail(`${v} is not allowed`, start);
        // An integral value in the 64-bit integer range (-0 too) is what encode writes as an integer:
        // read as a float it would re-encode to other bytes, two encodings of one value, two CIDs.
        // Found by test/hostile/fuzz-codec.test.ts.
        if (Number.isInteger(v) && v >= -(2 ** 64) && v < 2 ** 64)
          this.fail(`the float ${Object.is(v, -0) ? '-0' : v} has an integer value: canonical DAG-CBOR here writes it as an integer`, start);
        return v;
      }
      default:
        return this.fail(`simple value ${info} is not allowed`, start);
    }
  }
}

/**
 * Canonical order of two encoded keys (each a whole head + UTF-8 run). Because the head encodes the
 * length in shortest form, comparing the encoded bytes compares length first, then content.
 */
function compareKeys(b: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const al = ae - as;
  const bl = be - bs;
  if (al !== bl) return al - bl;
  for (let i = 0; i < al; i++) {
    const d = b[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return 0;
}

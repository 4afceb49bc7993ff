import { isAscii } from 'node:buffer';
import { Encoder, Tag } from 'cbor-x';
import { CID, cidFromBytes } from './cid.js';
import { AgentlogError, isAgentlogError } from '../errors.js';

/**
 * DAG-CBOR, the IPLD strict profile: one value, one encoding.
 *
 * Encoding: values are first checked and put in canonical shape (map keys sorted by UTF-8 length, then
 * bytewise; integers beyond 32 bits as BigInt so cbor-x writes them as integers, not floats; links as
 * tag 42), then cbor-x writes the bytes. Decoding is our own strict reader: any encoding that is not
 * the canonical one (long integer or length forms, indefinite lengths, unsorted or duplicate keys,
 * floats other than finite float64, tags other than 42, undefined, trailing bytes, bad UTF-8) is an
 * error naming the byte offset, never a different value.
 */
export type IpldValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | CID
  | IpldValue[]
  | { [key: string]: IpldValue };

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  useFloat32: 0,
  largeBigIntToFloat: false,
  pack: false,
  structuredClone: false,
  bundleStrings: false,
} as ConstructorParameters<typeof Encoder>[0]);

const MAX_DEPTH = 512;
const TWO_32 = 2 ** 32;
const TWO_64 = 2n ** 64n;

/** Encode a value of the IPLD data model to canonical DAG-CBOR bytes. */
export function encode(value: unknown): Uint8Array {
  const state = { minInt: false };
  const prepared = prepare(value, 0, '', state);
  if (state.minInt) return writeSlow(prepared);
  const out = encoder.encode(prepared);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * cbor-x writes exactly -2^64 as a bignum (tag 3) instead of the integer 0x3b ffff…ff; a value that
 * holds it goes through this small writer instead (same rules, same bytes otherwise).
 */
function writeSlow(v: unknown): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = (major: number, n: number | bigint) => {
    const b = BigInt(n);
    if (b < 24n) parts.push(Uint8Array.of((major << 5) | Number(b)));
    else if (b < 0x100n) parts.push(Uint8Array.of((major << 5) | 24, Number(b)));
    else if (b < 0x10000n) parts.push(Uint8Array.of((major << 5) | 25, Number(b >> 8n), Number(b & 255n)));
    else {
      const wide = b >= 0x100000000n;
      const out = new Uint8Array(wide ? 9 : 5);
      out[0] = (major << 5) | (wide ? 27 : 26);
      const view = new DataView(out.buffer);
      if (wide) view.setBigUint64(1, b);
      else view.setUint32(1, Number(b));
      parts.push(out);
    }
  };
  const walk = (x: unknown): void => {
    if (x === null) parts.push(Uint8Array.of(0xf6));
    else if (x === true || x === false) parts.push(Uint8Array.of(x ? 0xf5 : 0xf4));
    else if (typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x) && !Object.is(x, -0))) {
      const b = BigInt(x);
      if (b >= 0n) head(0, b);
      else head(1, -1n - b);
    } else if (typeof x === 'number') {
      const out = new Uint8Array(9);
      out[0] = 0xfb;
      new DataView(out.buffer).setFloat64(1, x);
      parts.push(out);
    } else if (typeof x === 'string') {
      const b = Buffer.from(x, 'utf8');
      head(3, b.length);
      parts.push(b);
    } else if (x instanceof Uint8Array) {
      head(2, x.length);
      parts.push(x);
    } else if (x instanceof Tag) {
      head(6, x.tag);
      walk(x.value);
    } else if (Array.isArray(x)) {
      head(4, x.length);
      x.forEach(walk);
    } else if (x instanceof Map) {
      head(5, x.size);
      for (const [k, val] of x) {
        walk(k);
        walk(val);
      }
    }
  };
  walk(v);
  return new Uint8Array(Buffer.concat(parts));
}

function prepare(value: unknown, depth: number, path: string, state: { minInt: boolean }): unknown {
  if (depth > MAX_DEPTH) fail(`${where(path)}nests deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) fail(`${where(path)}string has a lone UTF-16 surrogate, which has no UTF-8 encoding`);
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail(`${where(path)}rejects ${value}: DAG-CBOR has no NaN or Infinity`);
      // Integers beyond 32 bits go to cbor-x as BigInt (else it writes them as floats); integers
      // beyond 64 bits have no integer encoding and stay float64, as JSON gave them.
      if (Number.isInteger(value) && !Object.is(value, -0) && (value >= TWO_32 || value < -TWO_32) && value < 2 ** 64 && value >= -(2 ** 64)) {
        if (value === -(2 ** 64)) state.minInt = true;
        return BigInt(value);
      }
      return value;
    case 'bigint':
      if (value >= -TWO_32 && value < TWO_32) return Number(value);
      if (value >= TWO_64 || value < -TWO_64) fail(`${where(path)}integer ${value} does not fit in 64 bits`);
      if (value === -TWO_64) state.minInt = true;
      return value;
    case 'undefined':
      return fail(`${where(path)}rejects undefined`);
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) return value;
      if (Array.isArray(value)) {
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) out[i] = prepare(value[i], depth + 1, `${path}[${i}]`, state);
        return out;
      }
      const cid = CID.asCID(value);
      if (cid) {
        const bytes = new Uint8Array(cid.bytes.length + 1);
        bytes.set(cid.bytes, 1);
        return new Tag(bytes, 42);
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        fail(`${where(path)}rejects a ${proto?.constructor?.name ?? 'non-plain'} object: only plain objects, arrays, bytes and CIDs`);
      }
      const obj = value as Record<string, unknown>;
      const map = new Map<string, unknown>();
      for (const key of sortKeys(Object.keys(obj))) {
        map.set(key, prepare(obj[key], depth + 1, path ? `${path}.${key}` : key, state));
      }
      return map;
    }
    default:
      return fail(`${where(path)}rejects a ${typeof value}`);
  }
}

/** Map keys in DAG-CBOR order: shorter UTF-8 first, then bytewise. */
export function sortKeys(keys: string[]): string[] {
  const ascii = keys.every((k) => /^[\x00-\x7f]*$/.test(k));
  if (ascii) return keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const withBytes = keys.map((k) => ({ k, b: Buffer.from(k, 'utf8') }));
  withBytes.sort((x, y) => x.b.length - y.b.length || Buffer.compare(x.b, y.b));
  return withBytes.map((x) => x.k);
}

function where(path: string): string {
  return path ? `at ${path}: ` : '';
}

function fail(message: string): never {
  throw new AgentlogError('E_CODEC', `DAG-CBOR encode: ${message}`);
}

// ---------------------------------------------------------------------------------------------------
// Strict decoding

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

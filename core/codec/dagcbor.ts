/**
 * DAG-CBOR, the IPLD strict profile: one value, one encoding.
 *
 * Encoding: values are first checked and put in canonical shape (map keys sorted by UTF-8 length, then
 * bytewise; integers beyond 32 bits as BigInt so cbor-x writes them as integers, not floats; links as
 * tag 42), then cbor-x writes the bytes. Decoding is our own strict reader: any encoding that is not
 * the canonical one (long integer or length forms, indefinite lengths, unsorted or duplicate keys,
 * floats other than finite float64, tags other than 42, undefined, trailing bytes, bad UTF-8) is an
 * error naming the byte offset, never a different value (dagcborDecode.ts).
 */
import { Encoder, Tag } from 'cbor-x';
import { CID } from './cid.js';
import { MAX_DEPTH } from './ipldValue.js';
import { AgentlogError } from '../errors.js';

export type { IpldValue } from './ipldValue.js';
export { decode, type Latin1Source } from './dagcborDecode.js';

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

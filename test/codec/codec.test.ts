import * as dagCbor from '@ipld/dag-cbor';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CID, cidOf } from '../../core/codec/cid.js';
import { decode, encode } from '../../core/codec/dagcbor.js';
import { parseDagJson, stringifyDagJson } from '../../core/codec/dagjson.js';
import { sha256, sha256Reference } from '../../core/codec/hash.js';
import { SAMPLE_SESSION } from '../../cli/commands/demo.js';
import { jsonlFiles } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

// Our own vectors: what canonical DAG-CBOR looks like, written out by hand.
const VALID: Array<[string, unknown, string]> = [
  ['zero', 0, '00'],
  ['23', 23, '17'],
  ['24 needs one byte', 24, '1818'],
  ['256', 256, '190100'],
  ['2^32 - 1', 2 ** 32 - 1, '1affffffff'],
  ['2^32 as a 64-bit integer, not a float', 2 ** 32, '1b0000000100000000'],
  ['2^53 - 1', Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
  ['-1', -1, '20'],
  ['-(2^32) - 1', -(2 ** 32) - 1, '3b0000000100000000'],
  ['bigint 2^64 - 1', 2n ** 64n - 1n, '1bffffffffffffffff'],
  ['float64 always', 1.5, 'fb3ff8000000000000'],
  ['string', 'a', '6161'],
  ['bytes', new Uint8Array([1, 2]), '420102'],
  ['map keys by length, then bytes', { bb: 1, a: 2, c: 3 }, 'a3616102616303626262' + '01'],
  ['numeric-looking keys are sorted like any string', { '10': 1, b: 2, '2': 3 }, 'a361320361620262313001'],
  ['null, true, false', [null, true, false], '83f6f5f4'],
];

const REJECT: Array<[string, string, RegExp]> = [
  ['an integer not in shortest form', '1817', /shortest/],
  ['a length not in shortest form', '780161', /shortest/],
  ['an indefinite-length array', '9f01ff', /indefinite/],
  ['unsorted map keys', 'a2616201616101', /order/],
  ['duplicate map keys', 'a2616101616102', /duplicate/],
  ['a non-string map key', 'a10102', /keys must be strings/],
  ['a 16-bit float', 'f93c00', /64-bit/],
  ['a 32-bit float', 'fa3f800000', /64-bit/],
  ['NaN', 'fb7ff8000000000000', /NaN/],
  ['Infinity', 'fb7ff0000000000000', /Infinity/],
  ['undefined', 'f7', /undefined/],
  ['a tag other than 42', 'c11a514b67b0', /tag 1 /],
  ['tag 42 without the 0x00 prefix', 'd82a4401711220', /0x00/],
  ['invalid UTF-8', '62c328', /UTF-8/],
  ['trailing bytes', '0000', /trailing/],
  ['truncated input', '1a0001', /truncated/],
  ['a simple value other than false/true/null', 'f0', /simple value/],
];

/** `data` inside a bigger buffer, as a latin1 source with the offset where it starts. */
function latin1Around(data: Uint8Array): { text: string; offset: number } {
  const big = Buffer.concat([Buffer.from([0xc3, 0xa9, 0x00, 0x7f, 0x80]), data, Buffer.from([0xff])]);
  return { text: big.toString('latin1'), offset: 5 };
}

describe('DAG-CBOR codec (own vectors)', () => {
  for (const [name, value, want] of VALID) {
    it(`encodes ${name}`, () => {
      expect(hex(encode(value))).toBe(want);
      const back = encode(decode(bytes(want)));
      expect(hex(back)).toBe(want);
    });
  }
  it('decodes the same from a latin1 source (strings as slices), at any offset in a bigger buffer', () => {
    const long = 'x'.repeat(63) + 'y'.repeat(70);
    const value = {
      ascii: 'plain text '.repeat(20),
      utf8: 'naïve – café '.repeat(10),
      edge: ['', 'a', 'x'.repeat(24), 'x'.repeat(25), 'x'.repeat(63), 'x'.repeat(64), long],
      nested: [{ text: 'é', deep: { t: 'z'.repeat(100) } }],
      link: cidOf(new Uint8Array([1, 2, 3])),
      bytes: new Uint8Array([0xff, 0x00, 0x80]),
    };
    const data = encode(value);
    expect(decode(data, latin1Around(data))).toEqual(decode(data));
    expect(decode(data, latin1Around(data))).toEqual(value);
  });

  it('short strings come back right however many share a slot of the short-string table', () => {
    // 20,000 distinct short strings against a table of 4,096 slots: collisions on every lookup.
    const words = Array.from({ length: 20_000 }, (_, i) => `w${(i * 7919).toString(36)}`.slice(0, 1 + (i % 24)));
    const data = encode(words);
    expect(decode(data)).toEqual(words);
    expect(decode(data)).toEqual(words); // now served from the table
    const keys = Object.fromEntries(words.slice(0, 3000).map((w, i) => [`${w}_${i}`, i]));
    expect(decode(encode(keys))).toEqual(keys);
  });

  it('encodes a link as tag 42 and decodes it back to an equal CID', () => {
    const cid = CID.parse('bafyreibdog5gxx3dtigu5seq5yapbgwhsbki7gkhnebtqog64xiloxxrl4');
    const enc = encode({ prev: cid });
    expect(hex(enc)).toBe(hex(dagCbor.encode({ prev: cid })));
    expect((decode(enc) as { prev: CID }).prev.equals(cid)).toBe(true);
  });
  for (const [name, h, why] of REJECT) {
    it(`rejects ${name}`, () => {
      expect(() => decode(bytes(h))).toThrow(why);
    });
  }
  it('rejects values outside the data model when encoding', () => {
    expect(() => encode({ a: undefined })).toThrow(/undefined/);
    expect(() => encode(NaN)).toThrow(/NaN/);
    expect(() => encode(Infinity)).toThrow(/Infinity/);
    expect(() => encode(new Date())).toThrow(/Date/);
    expect(() => encode(2n ** 64n)).toThrow(/64 bits/);
    expect(() => encode('\ud800')).toThrow(/surrogate/);
  });
  it('keeps a __proto__ key as data, never as a prototype', () => {
    const v = decode(encode(JSON.parse('{"__proto__": {"polluted": 1}}'))) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('computes the same SHA-256 with node:crypto and @noble/hashes', () => {
    for (const n of [0, 1, 1000, 100_000]) {
      const b = new Uint8Array(n).map((_, i) => (i * 31) & 255);
      expect(hex(sha256(b))).toBe(hex(sha256Reference(b)));
    }
  });
  it('encodes the shipped sample session byte-identically to @ipld/dag-cbor', () => {
    for (const line of fs.readFileSync(SAMPLE_SESSION, 'utf8').split('\n').filter(Boolean)) {
      const v = JSON.parse(line);
      expect(hex(encode(v))).toBe(hex(dagCbor.encode(v)));
    }
  });
  it('round-trips DAG-JSON links, bytes and big integers', () => {
    const text = '{"a":{"/":"bafyreibdog5gxx3dtigu5seq5yapbgwhsbki7gkhnebtqog64xiloxxrl4"},"b":{"/":{"bytes":"AQID"}},"c":18446744073709551615,"d":-1.5}';
    const v = parseDagJson(text);
    expect(stringifyDagJson(v)).toBe(text);
    expect(hex(encode(v))).toBe(hex(dagCbor.encode(v as never)));
  });
});

const shared = sharedFixtures();
if (shared) {
  describe('DAG-CBOR conformance (../shared/fixtures/dag-cbor)', () => {
    const root = path.join(shared, 'dag-cbor', 'fixtures');
    for (const name of fs.readdirSync(root).sort()) {
      const dir = path.join(root, name);
      if (!fs.statSync(dir).isDirectory()) continue;
      const files = fs.readdirSync(dir);
      const cborFile = files.find((f) => f.endsWith('.dag-cbor'));
      if (!cborFile) continue;
      it(`fixture ${name}`, () => {
        const data = new Uint8Array(fs.readFileSync(path.join(dir, cborFile)));
        expect(cidOf(data).toString()).toBe(cborFile.replace(/\.dag-cbor$/, ''));
        const value = decode(data);
        expect(hex(encode(value))).toBe(hex(data));
        expect(decode(data, latin1Around(data))).toEqual(value);
        const jsonFile = files.find((f) => f.endsWith('.dag-json'));
        if (jsonFile) {
          const fromJson = parseDagJson(fs.readFileSync(path.join(dir, jsonFile), 'utf8'), jsonFile);
          expect(hex(encode(fromJson))).toBe(hex(data));
        }
      });
    }
    const negDir = path.join(shared, 'dag-cbor', 'negative-fixtures', 'dag-cbor', 'decode');
    for (const file of fs.readdirSync(negDir)) {
      const cases = JSON.parse(fs.readFileSync(path.join(negDir, file), 'utf8')) as Array<{ name: string; hex: string }>;
      for (const c of cases) {
        it(`rejects negative fixture: ${c.name}`, () => {
          expect(() => decode(bytes(c.hex))).toThrow();
        });
      }
    }
  });

  describe('RFC 8949 Appendix A vectors (../shared/fixtures/cbor)', () => {
    const vectors = parseDagJson(fs.readFileSync(path.join(shared, 'cbor', 'appendix_a.json'), 'utf8')) as Array<Record<string, unknown>>;
    for (const v of vectors) {
      const h = v.hex as string;
      it(`vector ${h} (${'decoded' in v ? stringifyDagJson(v.decoded) : v.diagnostic})`, () => {
        let canonical: string | undefined;
        if ('decoded' in v) {
          try {
            canonical = hex(encode(v.decoded));
          } catch {
            canonical = undefined; // outside the data model (beyond 64 bits)
          }
        }
        if (canonical === h) {
          // Inside the data model and canonical: decodes to the same value and back to the same bytes.
          const value = decode(bytes(h));
          expect(hex(encode(value))).toBe(h);
          expect(stringifyDagJson(value)).toBe(stringifyDagJson(v.decoded));
        } else if ('decoded' in v || !/^h'|^\{|^\[|^"/.test(String(v.diagnostic))) {
          // Not the canonical encoding of its value, or not in the data model: strict decoding refuses it.
          expect(() => decode(bytes(h))).toThrow();
        } else {
          // A diagnostic-only vector that is plain bytes, text or containers: decode iff canonical.
          let ok = true;
          try {
            expect(hex(encode(decode(bytes(h))))).toBe(h);
          } catch {
            ok = false;
          }
          expect(ok).toBe(!/^\{1:|_/.test(String(v.diagnostic)));
        }
      });
    }
  });

  describe('session files encode byte-identically to @ipld/dag-cbor', () => {
    const files = [...jsonlFiles(path.join(shared, 'claude-code')), ...jsonlFiles(path.join(shared, 'codex'))];
    it('found the session files', () => expect(files.length).toBeGreaterThan(10));
    for (const file of files) {
      it(path.relative(shared, file), () => {
        let records = 0;
        for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          const value = JSON.parse(line);
          const ours = encode(value);
          expect(hex(ours)).toBe(hex(dagCbor.encode(value)));
          expect(hex(encode(decode(ours)))).toBe(hex(ours));
          records++;
        }
        expect(records).toBeGreaterThan(0);
      });
    }
  });
}

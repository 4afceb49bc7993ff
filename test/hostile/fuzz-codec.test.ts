/**
 * Property-based fuzzing (issue 17, test (c)) of the codec's parsers of untrusted bytes: DAG-CBOR
 * (decode, and openEvent on top of it), binary and text CIDs, DAG-JSON. On arbitrary and on
 * mutated-valid input each either answers or throws an AgentlogError; decoding is strict (what decodes
 * re-encodes to the very same bytes); encode and decode round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidFromBytes, cidOf, parseCid } from '../../core/codec/cid.js';
import { decode, encode } from '../../core/codec/dagcbor.js';
import { parseDagJson, stringifyDagJson } from '../../core/codec/dagjson.js';
import { openEvent, summarize } from '../../core/event/event.js';
import { bytes, mutated, onlyAgentlogErrors, params } from '../helpers/fuzz.js';

/** A value of the IPLD data model, small enough to keep each run cheap. */
const ipld = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'ipld' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.uint8Array({ maxLength: 24 }),
    fc.uint8Array({ maxLength: 8 }).map((b) => cidOf(b)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const validCbor = ipld.map((v) => encode(v));

/** Strictness: whatever decodes re-encodes to exactly the bytes it came from. */
function strictDecode(b: Uint8Array): void {
  const v = onlyAgentlogErrors(() => decode(b));
  if (v === undefined) return;
  expect(Buffer.from(encode(v)).equals(Buffer.from(b)), `decoded ${Buffer.from(b).toString('hex')} but it re-encodes differently`).toBe(true);
}

describe('fuzz: DAG-CBOR', () => {
  it('encode then decode then encode gives the same bytes', () => {
    fc.assert(
      fc.property(ipld, (v) => {
        const b = encode(v);
        expect(Buffer.from(encode(decode(b))).equals(Buffer.from(b))).toBe(true);
      }),
      params(),
    );
  });

  it('arbitrary bytes: decode answers or refuses with an AgentlogError, and is strict', () => {
    fc.assert(fc.property(bytes(256), strictDecode), params());
  });

  it('mutated valid bytes: decode answers or refuses with an AgentlogError, and is strict', () => {
    fc.assert(fc.property(mutated(validCbor), strictDecode), params(2));
  });

  it('openEvent on mutated events: an event that opens can be summarized', () => {
    const event = fc
      .record({ text: fc.string({ maxLength: 40 }), model: fc.string({ maxLength: 20 }), seq: fc.nat(1000), ts: fc.nat() })
      .map(({ text, model, seq, ts }) => encode({ v: 1, kind: 'message', seq, ts, prev: null, role: 'assistant', model, content: [{ type: 'text', text }] }));
    fc.assert(
      fc.property(fc.oneof(mutated(event), bytes(128)), (b) => {
        const opened = onlyAgentlogErrors(() => openEvent(b));
        if (opened) expect(typeof summarize(opened.event)).toBe('string');
      }),
      params(),
    );
  });
});

describe('fuzz: CIDs', () => {
  const validCid = fc.uint8Array({ maxLength: 16 }).map((b) => cidOf(b));

  it('cidFromBytes: arbitrary and mutated binary CIDs parse or refuse with an AgentlogError; what parses round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(48), mutated(validCid.map((c) => c.bytes))), (b) => {
        const cid = onlyAgentlogErrors(() => cidFromBytes(b));
        if (cid) expect(Buffer.from(cid.bytes).equals(Buffer.from(b))).toBe(true);
      }),
      params(),
    );
  });

  it('parseCid: arbitrary and mutated CID text parses or refuses with an AgentlogError', () => {
    const mutatedText = fc.tuple(validCid, fc.nat(), fc.string({ maxLength: 3 })).map(([c, at, s]) => {
      const t = c.toString();
      const i = at % t.length;
      return t.slice(0, i) + s + t.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), mutatedText), (t) => {
        const cid = onlyAgentlogErrors(() => parseCid(t));
        if (cid) expect(parseCid(cid.toString()).equals(cid)).toBe(true);
      }),
      params(),
    );
  });
});

describe('fuzz: DAG-JSON', () => {
  it('stringify then parse gives a value that encodes to the same DAG-CBOR', () => {
    fc.assert(
      fc.property(ipld, (v) => {
        const b = encode(v);
        expect(Buffer.from(encode(parseDagJson(stringifyDagJson(decode(b))))).equals(Buffer.from(b))).toBe(true);
      }),
      params(),
    );
  });

  it('arbitrary and mutated DAG-JSON text parses or refuses with an AgentlogError', () => {
    const mutatedText = fc.tuple(ipld, fc.nat(), fc.string({ maxLength: 3 })).map(([v, at, s]) => {
      const t = stringifyDagJson(decode(encode(v)));
      const i = at % Math.max(1, t.length);
      return t.slice(0, i) + s + t.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 4 }), mutatedText), (t) => {
        const v = onlyAgentlogErrors(() => parseDagJson(t));
        if (v !== undefined) onlyAgentlogErrors(() => encode(v));
      }),
      params(),
    );
  });
});

/** What the fuzzers above found, kept as plain regression tests. */
describe('fuzz findings (codec)', () => {
  it('a binary CID in a non-canonical form (version byte 0 before a multihash) is refused, also inside DAG-CBOR', () => {
    const digest = cidOf(new Uint8Array()).multihash.bytes; // 0x12 0x20 + 32 bytes
    const odd = Buffer.concat([Buffer.of(0x00, 0x71), digest]);
    expect(() => cidFromBytes(odd)).toThrow(/not in canonical form/);
    // tag 42 (d8 2a), a byte string of 1 + 36 bytes (58 25), the identity multibase prefix 00, the CID
    const cbor = Buffer.concat([Buffer.of(0xd8, 0x2a, 0x58, 1 + odd.length, 0x00), odd]);
    expect(() => decode(cbor)).toThrow(expect.objectContaining({ code: 'E_CODEC' }));
  });

  it('DAG-JSON writes integral floats of 2^64 and more so that they read back as the same floats', () => {
    for (const v of [-0, -18446744073709556000, 2 ** 64, 2 ** 70, -(2 ** 64)]) {
      const b = encode([v]);
      const text = stringifyDagJson(decode(b));
      expect(Buffer.from(encode(parseDagJson(text))).equals(Buffer.from(b)), text).toBe(true);
    }
  });

  it('a float64 with an integer value in the 64-bit range (and -0) is refused: encode writes those as integers', () => {
    for (const hex of ['fb3ff0000000000000', 'fbc3401779f39d25e9', 'fb8000000000000000', 'fbc3f0000000000000']) {
      expect(() => decode(Buffer.from(hex, 'hex')), hex).toThrow(/integer value/);
    }
    // 2^64 and beyond have no integer encoding: they stay floats, and round-trip.
    for (const hex of ['fb43f0000000000000', 'fbc3f0000000000001', 'fb3ff8000000000000']) {
      expect(Buffer.from(encode(decode(Buffer.from(hex, 'hex')))).toString('hex')).toBe(hex);
    }
  });
});

/**
 * Property-based fuzzing (issue 17, test (c)) of the git-format parsers of untrusted bytes: commits,
 * trees, pack entry headers, deltas and whole packs (indexPack, what pull and clone run on what a
 * remote sends). On arbitrary and on mutated-valid input each either answers or throws an
 * AgentlogError; serialize and parse round-trip; a pack that is accepted is one git accepts too.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentlogError } from '../../core/errors.js';
import { type Commit, parseCommit, serializeCommit, trailers } from '../../core/git/commit.js';
import { objectId } from '../../core/git/object.js';
import { makeDelta } from '../../core/git/pack/buildPack.js';
import { applyDelta, encodeOfsBack, objectHeader, OFS_DELTA, packHeader, readEntryHeader, TYPE_CODE } from '../../core/git/pack/format.js';
import { indexPack } from '../../core/git/pack/indexPack.js';
import { parseTree, serializeTree, type TreeEntry } from '../../core/git/tree.js';
import { applyEdits, bytes, edits, mutated, onlyAgentlogErrors, params } from '../helpers/fuzz.js';
import { tmpdir } from '../helpers/tmp.js';

const hex40 = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => Buffer.from(b).toString('hex'));
/** Text that survives UTF-8 (no lone surrogates). */
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength }).filter((s) => s.isWellFormed());
const sig = fc.record({
  name: text(20),
  email: text(20),
  time: fc.integer({ min: 0, max: 2 ** 43 }),
  tz: fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 9999 })).map(([s, n]) => `${s}${String(n).padStart(4, '0')}`),
});
const commit: fc.Arbitrary<Commit> = fc.record({ tree: hex40, parents: fc.array(hex40, { maxLength: 3 }), author: sig, committer: sig, message: text(60) });

/** What serializeCommit keeps of a signature: no <, >, CR, LF, NUL; trimmed; `unknown` for an empty name. */
function normal(c: Commit): Commit {
  const clean = (s: string) => s.replace(/[<>\n\r\0]/g, '').trim();
  const s = (x: Commit['author']) => ({ ...x, name: clean(x.name) || 'unknown', email: clean(x.email) });
  return { ...c, author: s(c.author), committer: s(c.committer) };
}

describe('fuzz: commits', () => {
  it('parseCommit(serializeCommit(c)) is c, as serializeCommit keeps it', () => {
    fc.assert(
      fc.property(commit, (c) => {
        expect(parseCommit(serializeCommit(c))).toEqual(normal(c));
      }),
      params(),
    );
  });

  it('arbitrary and mutated commits parse or refuse with an AgentlogError; trailers never throw', () => {
    const lines = fc.array(fc.oneof(text(30), fc.constantFrom('tree ', 'parent ', 'author ', 'committer ', ' <', '> ', ' 1 +0000', '\n\n', '\n')), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          bytes(300),
          mutated(commit.map(serializeCommit), 6),
          lines.map((l) => Buffer.from(l.join(''))),
        ),
        (b) => {
          const c = onlyAgentlogErrors(() => parseCommit(Buffer.from(b)));
          if (c) trailers(c.message);
        },
      ),
      params(2),
    );
  });
});

const MODES = ['100644', '100755', '40000', '120000', '160000'];
const entry: fc.Arbitrary<TreeEntry> = fc.record({
  mode: fc.constantFrom(...MODES),
  name: text(16).filter((s) => !s.includes('\0')),
  oid: hex40,
});

describe('fuzz: trees', () => {
  it('parseTree(serializeTree(entries)) is entries', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (es) => {
        expect(parseTree(serializeTree(es))).toEqual(es);
      }),
      params(),
    );
  });

  it('arbitrary and mutated trees parse or refuse with an AgentlogError; what parses with UTF-8 names re-serializes to the same bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(200), mutated(fc.array(entry, { maxLength: 6 }).map(serializeTree), 6)), (b) => {
        const buf = Buffer.from(b);
        const es = onlyAgentlogErrors(() => parseTree(buf));
        if (!es) return;
        const sameNames = es.every((e) => !e.name.includes('\uFFFD') && !e.mode.includes('\0'));
        if (sameNames) expect(serializeTree(es).equals(buf)).toBe(true);
      }),
      params(2),
    );
  });
});

describe('fuzz: pack entry headers and deltas', () => {
  it('readEntryHeader reads what objectHeader writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (type, size) => {
        const h = objectHeader(type, size);
        expect(readEntryHeader(h, 0)).toEqual({ type, size, pos: h.length });
      }),
      params(),
    );
  });

  it('readEntryHeader on arbitrary bytes: a header within the bytes, or undefined; never a throw', () => {
    fc.assert(
      fc.property(bytes(24), fc.nat(30), (b, pos) => {
        const h = readEntryHeader(b, pos);
        if (h) expect(h.pos).toBeLessThanOrEqual(b.length);
      }),
      params(),
    );
  });

  const fail = (why: string) => new AgentlogError('E_OBJECT', `the delta ${why}`);
  const blob = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
  /** A target that shares a lot with its base, as deltas do. */
  const pair = fc.tuple(blob, fc.nat(300), fc.nat(300), blob).map(([base, a, b, ins]): [Buffer, Buffer] => {
    const i = Math.min(a, base.length);
    const j = Math.min(Math.max(i, b), base.length);
    return [base, Buffer.concat([base.subarray(0, i), ins.subarray(0, 40), base.subarray(j)])];
  });

  it("applyDelta(base, makeDelta(base, target)) is target (a delta under git's 4-byte minimum is refused, and never sent)", () => {
    fc.assert(
      fc.property(pair, ([base, target]) => {
        const delta = makeDelta(base, target);
        if (delta.length < 4) expect(() => applyDelta(base, delta, fail)).toThrow(/shorter than git accepts/);
        else expect(applyDelta(base, delta, fail).equals(target)).toBe(true);
      }),
      params(),
    );
  });

  it('applyDelta on arbitrary and mutated deltas: a buffer, or the error made by `fail`', () => {
    const mutatedDelta = fc.tuple(pair, edits(4)).map(([[base, target], e]): [Buffer, Buffer] => [base, applyEdits(makeDelta(base, target), e)]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(
            blob,
            bytes(64).map((b) => Buffer.from(b)),
          ),
          mutatedDelta,
        ),
        ([base, delta]) => {
          onlyAgentlogErrors(() => applyDelta(base, delta, fail));
        },
      ),
      params(2),
    );
  });
});

/** A pack of blobs, the later ones offset deltas against the one before; returns the pack and the ids. */
function buildPackOf(contents: Buffer[]): { pack: Buffer; oids: string[] } {
  const parts: Buffer[] = [packHeader(contents.length)];
  let at = 12;
  let prevAt = -1;
  contents.forEach((c, i) => {
    let entry: Buffer;
    const delta = i > 0 && i % 2 === 0 ? makeDelta(contents[i - 1], c) : undefined;
    if (delta && delta.length >= 4) {
      entry = Buffer.concat([objectHeader(OFS_DELTA, delta.length), encodeOfsBack(at - prevAt), deflateSync(delta)]);
    } else {
      entry = Buffer.concat([objectHeader(TYPE_CODE.blob, c.length), deflateSync(c)]);
    }
    parts.push(entry);
    prevAt = at;
    at += entry.length;
  });
  const body = Buffer.concat(parts);
  return { pack: withTrailer(body), oids: contents.map((c) => objectId('blob', c)) };
}

const withTrailer = (body: Buffer) => Buffer.concat([body, createHash('sha1').update(body).digest()]);
const packContents = fc.array(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  { minLength: 1, maxLength: 5 },
);

describe('fuzz: packs (indexPack)', () => {
  const dir = tmpdir('agentlog-fuzz-pack-');

  it('a valid pack indexes, with every object id', () => {
    fc.assert(
      fc.property(packContents, (cs) => {
        // A pack holding one object twice is not valid (git pack-objects never writes one; indexPack refuses it).
        fc.pre(new Set(cs.map((c) => c.toString('hex'))).size === cs.length);
        const { pack, oids } = buildPackOf(cs);
        const out = path.join(dir, 'valid');
        const r = indexPack(pack, out);
        expect(r.objects).toBe(cs.length);
        const idx = fs.readFileSync(path.join(out, `${r.name}.idx`));
        for (const oid of oids) expect(idx.includes(Buffer.from(oid, 'hex'))).toBe(true);
        fs.rmSync(out, { recursive: true, force: true });
      }),
      params(0.5),
    );
  });

  it('arbitrary bytes and mutated packs (trailer recomputed, so the checksum passes) index or refuse with an AgentlogError', () => {
    const mutatedPack = fc.tuple(packContents, edits(4)).map(([cs, e]) => {
      const { pack } = buildPackOf(cs);
      const body = pack.subarray(0, pack.length - 20);
      // keep the 12-byte header most of the time: mutate what follows it
      return withTrailer(Buffer.concat([body.subarray(0, 12), applyEdits(body.subarray(12), e)]));
    });
    fc.assert(
      fc.property(
        fc.oneof(
          bytes(200).map((b) => Buffer.from(b)),
          mutatedPack,
        ),
        (pack) => {
          onlyAgentlogErrors(() => indexPack(pack, path.join(dir, 'mutated')));
          fs.rmSync(path.join(dir, 'mutated'), { recursive: true, force: true });
        },
      ),
      params(2),
    );
  });

  // Issue 17, point 12: an entry's declared size must be what it inflates to, or git refuses the pack.
  it('a pack indexPack accepts is one git verify-pack accepts', () => {
    // The first entry's header byte keeps its type and gets other low size bits: a declared size that lies.
    const sizeLie = fc.tuple(packContents, fc.integer({ min: 0, max: 15 })).map(([cs, low]) => {
      const body = Buffer.from(buildPackOf(cs).pack.subarray(0, -20));
      body[12] = (body[12] & 0xf0) | low;
      return withTrailer(body);
    });
    fc.assert(
      fc.property(sizeLie, (pack) => {
        const out = path.join(dir, `git-${Math.random().toString(36).slice(2)}`);
        const r = onlyAgentlogErrors(() => indexPack(pack, out));
        if (!r) return;
        execFileSync('git', ['verify-pack', path.join(out, `${r.name}.idx`)], { stdio: 'pipe' });
        fs.rmSync(out, { recursive: true, force: true });
      }),
      params(0.1),
    );
  });
});

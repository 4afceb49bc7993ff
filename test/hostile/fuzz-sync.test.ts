/**
 * Property-based fuzzing (issue 17, test (c)) of what a remote sends before a pack: pkt-lines
 * (PktReader) and the ref advertisement (HttpRemote.discover, served by a real HTTP server on
 * 127.0.0.1 that answers each fuzz input as its body). Each either answers or throws an AgentlogError.
 * A stricter property checks that every advertised id, and every name kept as a timeline, is one the
 * client may use (issue 17, point 14).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badRefName } from '../../core/git/refName.js';
import { timelineHeads } from '../../core/sync/check.js';
import { HttpRemote } from '../../core/sync/http.js';
import { FLUSH, PktReader, pkt, printable } from '../../core/sync/pktline.js';
import { bytes, mutated, onlyAgentlogErrors, onlyAgentlogErrorsAsync, params } from '../helpers/fuzz.js';

/** Read every packet; a throw other than an AgentlogError fails the property. */
function readAll(data: Uint8Array): Array<string | null> {
  const r = new PktReader(Buffer.from(data), 'http://127.0.0.1/fuzz');
  const out: Array<string | null> = [];
  for (let p = r.line(); p !== undefined; p = r.line()) out.push(p);
  return out;
}

const line = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => s.isWellFormed() && !s.endsWith('\n'));

describe('fuzz: pkt-lines', () => {
  it('what pkt writes, PktReader reads back (flushes as null)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(line, { nil: null }), { maxLength: 10 }), (lines) => {
        const data = Buffer.concat(lines.map((l) => (l === null ? FLUSH : pkt(`${l}\n`))));
        // an empty line is a packet of 4 + 1 bytes ("\n"), which reads back as ''
        expect(readAll(data)).toEqual(lines);
      }),
      params(),
    );
  });

  it('arbitrary and mutated pkt-line streams read or refuse with an AgentlogError', () => {
    const valid = fc.array(fc.option(line, { nil: null }), { maxLength: 8 }).map((ls) => Buffer.concat(ls.map((l) => (l === null ? FLUSH : pkt(l)))));
    fc.assert(
      fc.property(fc.oneof(bytes(200), mutated(valid, 4)), (b) => {
        onlyAgentlogErrors(() => readAll(b));
        expect(printable(b)).toHaveLength(b.length);
      }),
      params(2),
    );
  });
});

const SERVICE = 'git-upload-pack';
const hex40 = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => Buffer.from(b).toString('hex'));
const refName = fc.constantFrom('HEAD', 'refs/heads/main', 'refs/heads/fix-login', 'refs/tags/v1', 'refs/heads/a/b');
/** A well-formed advertisement: service line, flush, refs (capabilities after the first), flush. */
const advertisement = fc
  .array(fc.tuple(hex40, refName), { minLength: 1, maxLength: 5 })
  .map((refs) =>
    Buffer.concat([
      pkt(`# service=${SERVICE}\n`),
      FLUSH,
      ...refs.map(([oid, name], i) => pkt(`${oid} ${name}${i === 0 ? '\0multi_ack side-band-64k ofs-delta' : ''}\n`)),
      FLUSH,
    ]),
  );

describe('fuzz: ref advertisements (HttpRemote.discover over HTTP)', () => {
  let body: Buffer = Buffer.alloc(0);
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': `application/x-${SERVICE}-advertisement`, 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fuzz.git`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const served = async (b: Uint8Array) => {
    body = Buffer.from(b);
    return onlyAgentlogErrorsAsync(() => new HttpRemote(url, {}).discover(SERVICE));
  };

  it('a well-formed advertisement gives its refs', async () => {
    await fc.assert(
      fc.asyncProperty(advertisement, async (b) => {
        const adv = await served(b);
        expect(adv).toBeDefined();
        expect(adv!.caps.has('ofs-delta')).toBe(true);
      }),
      params(0.3),
    );
  });

  it('arbitrary and mutated advertisements give refs or refuse with an AgentlogError', async () => {
    const prefixed = bytes(120).map((b) => Buffer.concat([pkt(`# service=${SERVICE}\n`), FLUSH, b]));
    await fc.assert(
      fc.asyncProperty(fc.oneof(bytes(120), prefixed, mutated(advertisement, 4)), async (b) => {
        await served(b);
      }),
      params(0.5),
    );
  });

  // Ids are checked where the advertisement is read (they could reach file paths); names are checked
  // where a branch becomes a timeline (timelineHeads: invalid ones are skipped with a warning).
  it('every ref an advertisement gives has a 40-hex id, and every branch kept as a timeline has a valid name (issue 17, point 14)', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(advertisement, 4), async (b) => {
        const adv = await served(b);
        const branches = new Map<string, string>();
        for (const [name, oid] of adv?.refs ?? []) {
          expect(oid, `id of ${JSON.stringify(name)}`).toMatch(/^[0-9a-f]{40}$/);
          if (name.startsWith('refs/heads/')) branches.set(name.slice('refs/heads/'.length), oid);
        }
        for (const name of timelineHeads(branches, []).keys()) expect(badRefName(name), `timeline name ${JSON.stringify(name)}`).toBe(false);
      }),
      params(0.5),
    );
  });
});

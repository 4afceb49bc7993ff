/**
 * Shared pieces of the property-based fuzzers (test/hostile/fuzz-*.test.ts, fast-check). `npm test`
 * runs a bounded number of inputs per property; AGENTLOG_FUZZ_RUNS sets it for a longer run
 * (test/hostile/fuzz-long.sh), AGENTLOG_FUZZ_SEED replays a failure fast-check reported. Under CI
 * (CI set) the seed is fixed, so a run there is the same every time and a red CI is reproducible; on a
 * developer's machine every run draws new inputs, which is where new finds come from.
 */
import fc from 'fast-check';
import { isAgentlogError } from '../../core/errors.js';

/** Inputs per property: AGENTLOG_FUZZ_RUNS, or 150 in `npm test` (the fuzz files then take a few seconds). */
export const FUZZ_RUNS = Math.max(1, Number(process.env.AGENTLOG_FUZZ_RUNS) || 150);

/** The seed of every property under CI. */
const CI_SEED = 20261202;

/** fast-check parameters: `weight` scales the run count for costly properties (a process, a server). */
export function params(weight = 1): fc.Parameters<unknown> {
  const seed = process.env.AGENTLOG_FUZZ_SEED ? Number(process.env.AGENTLOG_FUZZ_SEED) : process.env.CI ? CI_SEED : undefined;
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * weight)), ...(seed !== undefined ? { seed } : {}) };
}

/** Run `f`; an AgentlogError (a refusal we made on purpose) is fine, anything else is a bug and is rethrown. */
export function onlyAgentlogErrors<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (isAgentlogError(e)) return undefined;
    throw e;
  }
}

export async function onlyAgentlogErrorsAsync<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (isAgentlogError(e)) return undefined;
    throw e;
  }
}

type Edit = { at: number; kind: 'flip' | 'set' | 'delete' | 'insert' | 'cut'; byte: number };

/** Apply edits to a copy of `bytes`: flip a bit, set, delete or insert a byte, or cut the rest. */
export function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Buffer {
  let b = Buffer.from(bytes);
  for (const e of edits) {
    if (b.length === 0 && e.kind !== 'insert') continue;
    const at = e.at % Math.max(1, b.length);
    if (e.kind === 'flip') b[at] ^= 1 << (e.byte & 7);
    else if (e.kind === 'set') b[at] = e.byte;
    else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.of(e.byte), b.subarray(at)]);
    else b = b.subarray(0, at);
  }
  return b;
}

/** Up to `max` edits of a byte string. */
export function edits(max = 4): fc.Arbitrary<Edit[]> {
  return fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'set', 'delete', 'insert', 'cut'), byte: fc.integer({ min: 0, max: 255 }) }), {
    minLength: 1,
    maxLength: max,
  }) as fc.Arbitrary<Edit[]>;
}

/** A valid input, then the same input with a few edits: what a corrupted disk or a hostile peer sends. */
export function mutated(valid: fc.Arbitrary<Uint8Array>, max = 4): fc.Arbitrary<Buffer> {
  return fc.tuple(valid, edits(max)).map(([b, e]) => applyEdits(b, e));
}

/** Arbitrary bytes of at most `max` bytes. */
export const bytes = (max = 512): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

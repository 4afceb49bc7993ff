import * as path from 'node:path';
import { STORE_REF } from '../../core/store/storeBranch.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { type CrashState, crashStates, type ExploreOptions, materialize, type Recording, recordOps } from './crash.js';
import { git, tmpdir } from './tmp.js';

/**
 * The check of each crash state (issue 17, test (a)), shared by the bounded run in `npm test` and the
 * long one: the store opens; every ref holds its value from before the operation or from after it,
 * never a third one (and when the operation was acknowledged in durable mode, its value from after);
 * every timeline reads back exactly the events it held then, and verifies; `git fsck --strict` is clean
 * (dangling objects allowed).
 */

/** The refs of the store at `dir` (every one, broken ones included as 'BROKEN') and the events of each timeline tip. */
export function refsAndEvents(dir: string): { refs: Map<string, string>; events: Map<string, string[]> } {
  const store = Store.open(dir);
  const { refs, bad } = store.listRefsChecked('refs/');
  for (const b of bad) refs.set(b.ref, 'BROKEN');
  const events = new Map<string, string[]>();
  for (const [ref, oid] of refs)
    if (ref.startsWith('refs/heads/') && ref !== STORE_REF && oid !== 'BROKEN')
      events.set(
        oid,
        store.readEvents(oid).map((e) => e.cid.toString()),
      );
  return { refs, events };
}

export interface Explored {
  /** Recorded file operations of the operation. */
  ops: number;
  /** Combinations built, and distinct states checked. */
  built: number;
  states: number;
  /** What went wrong, one line per broken state (empty: all passed). */
  broken: string[];
}

/**
 * Record `op` on the store at `dir`, then check every crash state `opts` yields. `durable`: the
 * operation's result must survive once it returned (durable mode's promise).
 */
export async function explore(
  dir: string,
  op: () => Promise<unknown>,
  opts: ExploreOptions & { durable: boolean; name: string; limit?: number },
): Promise<Explored> {
  const before = refsAndEvents(dir);
  const { recording } = await recordOps(dir, op);
  const after = refsAndEvents(dir);
  const { states, built } = crashStates(recording, opts);
  const broken: string[] = [];
  const scratch = tmpdir('agentlog-crash-');
  const list = opts.limit !== undefined ? sample(states, opts.limit) : states;
  list.forEach((s, i) => {
    const problem = checkState(path.join(scratch, String(i)), s, recording, before, after, opts.durable);
    if (problem) broken.push(`${opts.name}, crash after op ${s.prefix}/${recording.ops.length} (${describeOp(recording, s.prefix)}), ${s.how}: ${problem}`);
  });
  return { ops: recording.ops.length, built, states: list.length, broken };
}

/** An even spread of `n` of `states` (the first and last kept). */
function sample<T>(states: T[], n: number): T[] {
  if (states.length <= n) return states;
  return Array.from({ length: n }, (_, i) => states[Math.round((i * (states.length - 1)) / (n - 1))]);
}

function describeOp(rec: Recording, prefix: number): string {
  if (prefix === 0) return 'before the first';
  const op = rec.ops[prefix - 1];
  const where = op.t === 'rename' ? `${op.from} → ${op.to}` : op.t === 'link' ? op.to : op.path;
  return `last: ${op.t} ${where}`;
}

type Snapshot = ReturnType<typeof refsAndEvents>;

function checkState(dir: string, state: CrashState, rec: Recording, before: Snapshot, after: Snapshot, durable: boolean): string | undefined {
  materialize(state.image, dir);
  let now: Snapshot;
  try {
    now = refsAndEvents(dir);
  } catch (e) {
    return `the store does not open or read: ${(e as Error).message}`;
  }
  const done = state.prefix === rec.ops.length;
  for (const ref of new Set([...before.refs.keys(), ...after.refs.keys(), ...now.refs.keys()])) {
    const v = now.refs.get(ref);
    const b = before.refs.get(ref);
    const a = after.refs.get(ref);
    if (done && durable && v !== a) return `${ref} is ${v ?? 'absent'} after the operation returned, not ${a ?? 'absent'}`;
    if (v !== b && v !== a) return `${ref} is ${v ?? 'absent'}: neither before (${b ?? 'absent'}) nor after (${a ?? 'absent'})`;
  }
  const store = Store.open(dir);
  for (const [ref, oid] of now.refs) {
    if (!ref.startsWith('refs/heads/') || ref === STORE_REF) continue;
    const want = before.events.get(oid) ?? after.events.get(oid);
    const got = now.events.get(oid);
    if (JSON.stringify(got) !== JSON.stringify(want)) return `${ref} reads ${got?.length} events, not the ${want?.length} it held`;
    const problem = verifyTimeline(store, ref.slice('refs/heads/'.length), oid).problem;
    if (problem) return `verify: ${problem}`;
  }
  try {
    const out = git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim();
    if (out) return `git fsck: ${out}`;
  } catch (e) {
    return `git fsck fails: ${String((e as { stderr?: string }).stderr ?? e)
      .trim()
      .split('\n')
      .slice(0, 3)
      .join(' | ')}`;
  }
  return undefined;
}

export { crashStates, recordOps };

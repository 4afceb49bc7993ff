import { AgentlogError, isAgentlogError } from '../errors.js';
import { ioError } from '../git/fsio.js';
import type { StoredEvent } from '../event/event.js';
import type { PackObject } from '../git/objects.js';
import { timelineRef } from '../git/refs.js';
import { buildCommit } from './buildCommit.js';
import { checkpointTree } from './layout.js';
import { loadTip } from './loadTip.js';
import { moveRef, writeObjects } from './publish.js';
import { sealInput } from './sealInput.js';
import type { AppendOptions, Appended, EventInput, Lane, PendingAppend, StoreContext, Tip } from './types.js';

/** At most this many appends, or about this many bytes of events, are written as one batch (one pack, one move of the branch). */
const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 16 << 20;

/**
 * Append one event to a timeline: one commit (I3), published by compare-and-swap (I10). When
 * another writer moved the timeline first, the event is rebuilt on the new tip (new `seq` and
 * `prev`) and tried again, so concurrent writers all succeed and no event is lost.
 *
 * Group commit: appends to one timeline that are waiting at the same time (called without awaiting
 * the previous one, as `agentlog append --json` and imports do) wait in the timeline's lane and are
 * written together: still one commit per event, in call order, but their objects go into one pack
 * and the branch moves once, to the last of them. Each promise resolves when its commit is reachable
 * from the branch. An append awaited alone is written alone, at once.
 *
 * `after`: the event must follow that commit, and `seq`: the event must get that seq; otherwise it
 * is not appended (E_MOVED) — and neither is a later one whose condition then fails.
 */
export function append(ctx: StoreContext, name: string, input: EventInput, options: AppendOptions = {}): Promise<Appended> {
  let ref: string;
  try {
    ref = timelineRef(name);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise<Appended>((resolve, reject) => {
    let lane = ctx.lanes.get(ref);
    if (!lane) {
      lane = { queue: [], running: false };
      ctx.lanes.set(ref, lane);
    }
    lane.queue.push({ input, options, resolve, reject });
    if (!lane.running) {
      lane.running = true;
      const started = lane;
      // After the caller's current turn: appends it makes without awaiting join the same batch.
      setImmediate(() => void drain(ctx, ref, name, started));
    }
  });
}

/** Write a lane's waiting appends, in order, a batch at a time, until none are left. */
async function drain(ctx: StoreContext, ref: string, name: string, lane: Lane): Promise<void> {
  try {
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, MAX_BATCH);
      const later = await commitBatch(ctx, ref, name, batch);
      lane.queue.unshift(...later);
    }
  } finally {
    lane.running = false;
    if (ctx.lanes.get(ref) === lane) ctx.lanes.delete(ref);
  }
}

/**
 * Seal, write and publish a batch of appends; settles their promises and never throws. Once the
 * batch's events reach MAX_BATCH_BYTES the rest wait for the next batch: they are returned.
 */
async function commitBatch(ctx: StoreContext, ref: string, name: string, batch: PendingAppend[]): Promise<PendingAppend[]> {
  for (let attempt = 0; ; attempt++) {
    const objects: PackObject[] = [];
    let bytes = 0;
    let later: PendingAppend[] = [];
    const done: Array<[PendingAppend, Appended]> = [];
    const failed: Array<[PendingAppend, unknown]> = [];
    // Chains that fail in this attempt; marked failed only once the batch is settled, since a
    // retry (the branch moved) must judge the events before the failed one again.
    const failedChains = new Set<{ failed?: boolean }>();
    let tip: Tip;
    try {
      tip = loadTip(ctx, ref, name);
      let cur = tip;
      const fail = (p: PendingAppend, e: unknown) => {
        failed.push([p, e]);
        if (p.options.chain) failedChains.add(p.options.chain);
      };
      for (const [i, p] of batch.entries()) {
        if (bytes >= MAX_BATCH_BYTES) {
          later = batch.slice(i);
          break;
        }
        const { after, seq, chain } = p.options;
        if (chain && (chain.failed || failedChains.has(chain))) {
          failed.push([p, new AgentlogError('E_CHAIN', `not appended to ${name}: an event before it failed`, { name })]);
          continue;
        }
        if (after !== undefined && cur.commit !== after) {
          fail(p, new AgentlogError('E_MOVED', `timeline ${name} moved: its tip is ${cur.commit}, not ${after}`, { name, moved: true, tip: cur.commit }));
          continue;
        }
        if (seq !== undefined && cur.seq + 1 !== seq) {
          fail(
            p,
            new AgentlogError('E_MOVED', `timeline ${name} moved: the next event would be seq ${cur.seq + 1}, not ${seq}`, {
              name,
              moved: true,
              tip: cur.commit,
            }),
          );
          continue;
        }
        let sealed: StoredEvent;
        try {
          sealed = sealInput(p.input, cur.seq + 1, cur.cid, ctx.now); // seq and prev from the tip (I7)
        } catch (e) {
          fail(p, e);
          continue;
        }
        const snapshot = checkpointTree(sealed.event);
        if (snapshot && !isTree(ctx, snapshot)) {
          fail(p, new AgentlogError('E_OBJECT', `checkpoint names the tree ${snapshot}, which is not in the store ${ctx.commonDir} (I16)`, { oid: snapshot }));
          continue;
        }
        bytes += sealed.bytes.length;
        const commit = buildCommit(sealed, cur.spine, cur.commit, objects, cur.workspace);
        cur = { commit: commit.oid, seq: sealed.event.seq, cid: sealed.cid, spine: commit.spine, workspace: commit.workspace };
        done.push([p, { cid: sealed.cid, seq: cur.seq, commit: cur.commit, event: sealed.event }]);
      }
      if (done.length) {
        const release = writeObjects(ctx, objects); // before the ref names them, durable first (I9)
        // The branch moves only from the tip the batch was built on to its last commit, a descendant (I11).
        let moved: boolean;
        try {
          moved = await moveRef(ctx, ref, tip.commit, cur.commit);
        } catch (e) {
          // An error after the ref moved (a rename reported failing once done, a cleanup after it)
          // must not fail an append that is published: ask the ref itself.
          if (!refIs(ctx, ref, cur.commit)) throw e;
          moved = true;
        } finally {
          release(); // the pack's .keep goes only once the ref has moved or the move was given up (I9)
        }
        if (!moved) {
          // Another writer moved the branch: build the whole batch again on its new tip (I10).
          ctx.tips.delete(ref);
          if (attempt > 10_000) throw new AgentlogError('E_MOVED', `timeline ${name} keeps moving; gave up appending`, { name });
          continue;
        }
        ctx.tips.set(ref, cur);
      }
    } catch (e) {
      const err = notAppended(e, ctx, name);
      for (const p of batch) {
        if (p.options.chain) p.options.chain.failed = true;
        p.reject(err);
      }
      return [];
    }
    for (const chain of failedChains) chain.failed = true;
    for (const [p, e] of failed) p.reject(e);
    for (const [p, a] of done) p.resolve(a);
    return later;
  }
}

/** Whether `oid` is a tree in the object database (a checkpoint's snapshot is written before its event, I9, I16). */
function isTree(ctx: StoreContext, oid: string): boolean {
  try {
    return ctx.objects.has(oid) && ctx.objects.read(oid).type === 'tree';
  } catch {
    return false;
  }
}

/** Whether `ref` points at `commit` now (false when it cannot be read). */
function refIs(ctx: StoreContext, ref: string, commit: string): boolean {
  try {
    return ctx.refs.read(ref) === commit;
  } catch {
    return false;
  }
}

/**
 * A write error of a batch that was not published, said so: an E_IO error (or a raw errno one, made
 * E_IO) gets the timeline and the store named, and that nothing of the batch was appended.
 */
function notAppended(e: unknown, ctx: StoreContext, name: string): unknown {
  const io = ioError(e, 'write', (e as NodeJS.ErrnoException | undefined)?.path ?? ctx.commonDir);
  if (!isAgentlogError(io) || io.code !== 'E_IO') return e;
  return new AgentlogError('E_IO', `${io.message}; nothing was appended to timeline ${name} in the store ${ctx.commonDir}`, { ...io.data, name });
}

import { AgentlogError, exportTimeline, type Store } from '../../../core/index.js';
import { type Key, timelineOf } from './keys.js';

/**
 * A key's transcript read back from the store: the entries of the timelines import made of its file,
 * as records again (an imported event keeps its record, so each comes back deep-equal to the line it
 * was). A main transcript is its main timeline with its forks (`.fork-…`, records on a branch Claude
 * Code did not follow first) and inline sidechains (`.side-…`, Claude Code 1.0); a subagent's is its
 * `.agent-<id>` timeline with its forks.
 */

/** One JSONL line of a transcript. */
export type Entry = { type: string; uuid?: string; [k: string]: unknown };

/** The timelines that hold a key's transcript, its main one first, with their tips. */
export function timelinesOfKey(store: Store, key: Key): [string, string][] {
  const base = timelineOf(key);
  const out: [string, string][] = [];
  const tip = store.tipOf(base);
  if (tip) out.push([base, tip]);
  const others: [string, string][] = [];
  for (const [name, oid] of store.timelines()) {
    if (!name.startsWith(`${base}.`)) continue;
    // The main transcript's subagents (`.agent-…`) are keys of their own.
    if (key.subpath === undefined && name.slice(base.length).includes('.agent-')) continue;
    others.push([name, oid]);
  }
  others.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return tip ? [...out, ...others] : [];
}

/**
 * The records of a key's timelines in the order they were written: each timeline's records are in
 * file order, and shared ones (a fork's prefix) are the same events (same CIDs), taken once. Records
 * of different timelines are merged by their time, the main timeline's first on a tie: the exact
 * interleaving of a fork's or sidechain's lines with the main ones is not kept by import (Claude
 * Code rebuilds the tree from `uuid`/`parentUuid`, so a resume does not depend on it). Nor does a
 * session continuing another keep its copies of the other's records (import stores them once): they
 * come back as the other wrote them, with this session's id.
 */
export function readTranscript(store: Store, key: Key): Entry[] | undefined {
  const timelines = timelinesOfKey(store, key);
  if (timelines.length === 0) return undefined;
  const lists = timelines.map(([name, tip]) => {
    const events = store.readEvents(tip);
    // A session that continues another under a new id (`forkSession` with uuids kept) is import's
    // fork of it, sharing its events: those records come back under this session's id.
    const file = (events[0]?.event.origin as Record<string, unknown> | undefined)?.file;
    const own = typeof file === 'string' && (file === `${key.sessionId}.jsonl` || file.startsWith(`${key.sessionId}/`));
    const records = exportTimeline(store, tip, 'claude', own ? {} : { sessionId: key.sessionId }).records;
    if (records.length !== events.length - 1) {
      throw new AgentlogError(
        'E_EVENT',
        `timeline ${name} holds events that are not Claude Code records (${events.length - 1} events, ${records.length} records)`,
        {
          timeline: name,
        },
      );
    }
    return events.slice(1).map((e, i) => ({ cid: e.cid.toString(), ts: e.event.ts, record: records[i] as Entry }));
  });
  if (lists.length === 1) return lists[0].map((x) => x.record);
  const taken = new Set<string>();
  const at = lists.map(() => 0);
  const out: Entry[] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      while (at[k] < lists[k].length && taken.has(lists[k][at[k]].cid)) at[k]++;
      if (at[k] < lists[k].length && (best < 0 || lists[k][at[k]].ts < lists[best][at[best]].ts)) best = k;
    }
    if (best < 0) return out;
    const x = lists[best][at[best]++];
    taken.add(x.cid);
    out.push(x.record);
  }
}

import type { Store } from '../store/store.js';
import type { AllowList } from './allow.js';
import { type Finding, Scanner } from './scan.js';

/** Below this many new events a scan reads each by its path (eventAt); above, the tip's list of event blobs once. */
const FEW = 64;

/** What one scan run remembers across timelines: each commit scanned, with its own event's findings (forks share commits). */
export type ScanMemo = Map<string, Finding[]>;

export interface TimelineScan {
  timeline: string;
  tip: string;
  /** Events scanned now (not counting those a fork shared with a timeline scanned before in the run). */
  scanned: number;
  /** Characters of text scanned now. */
  chars: number;
  findings: Finding[];
  /** The commit of `stop` the walk stopped at (not scanned), if it did not go back to genesis. */
  stoppedAt?: string;
}

/**
 * Scan a timeline from `tip` back to genesis, or back to the first commit in `stop` (commits whose
 * events need no scan: on the remote already, or marked clean; the commit itself is not scanned).
 * A commit scanned earlier in the same run (`memo`: a fork's shared prefix) is not scanned again,
 * its findings are reported for this timeline too. Events are read one at a time and scanned in
 * batches (scan.ts), so memory is the list of commits and one batch.
 */
export async function scanTimeline(
  store: Store,
  timeline: string,
  tip: string,
  allow: AllowList,
  options: { stop?: ReadonlySet<string>; memo?: ScanMemo } = {},
): Promise<TimelineScan> {
  const memo = options.memo ?? new Map();
  const todo: Array<{ oid: string; seq: number }> = [];
  const findings: Finding[] = [];
  let stoppedAt: string | undefined;
  for (const c of store.history(tip)) {
    if (options.stop?.has(c.oid)) {
      stoppedAt = c.oid;
      break;
    }
    const known = memo.get(c.oid);
    if (known) for (const f of known) findings.push({ ...f, timeline });
    else todo.push({ oid: c.oid, seq: c.seq });
  }
  todo.reverse();
  const scanner = new Scanner(timeline, allow);
  const blobs = todo.length > FEW ? store.eventBlobs(tip) : undefined;
  for (const { oid, seq } of todo) {
    const stored = blobs ? store.eventFromBlob(blobs[seq], `event seq ${seq} of ${timeline}`) : store.eventAt(tip, seq);
    if (!stored) continue; // verify names a missing event; a scan has nothing to read there
    await scanner.add({ stored, commit: oid });
  }
  const found = await scanner.done();
  for (const { oid } of todo) memo.set(oid, []);
  for (const f of found) memo.get(f.commit)!.push(f);
  findings.push(...found);
  findings.sort((a, b) => a.seq - b.seq || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { timeline, tip, scanned: scanner.events, chars: scanner.chars, findings, ...(stoppedAt ? { stoppedAt } : {}) };
}

/**
 * core/secrets/ owns finding secrets in timelines before they leave the machine, and taking them out.
 * Detection: every string of an event (text, thinking, tool inputs and outputs, kept source records,
 * images' alt text; never links, ids or bytes: strings.ts) is scanned with secretlint's recommended
 * rule set (rules.ts, loaded only when something is scanned), in bounded batches (scan.ts); a finding
 * names timeline, seq, CID, field path and rule, with a fingerprint and a masked form, never the
 * secret. Timelines are scanned from the tip back to what needs no scan (timelines.ts); a push or an
 * export scans only what the other side lacks and refuses what holds findings (guard.ts), and
 * remembers tips scanned clean (marks.ts, derived). The allow list (allow.ts) lives in the store on
 * `refs/agentlog/allow` (allowRef.ts). Redaction (redact.ts) rewrites a timeline with each secret
 * replaced by a marker, every rewritten event naming the CID it replaces. Capture, import and append
 * never scan: the hot path stays as fast as it was; what they brought in is scanned afterwards in the
 * background (flags.ts: `scan --new`), and what it finds waits for a person in `status`.
 */

import type { Store } from '../store/store.js';
import { readAllowList } from './allowRef.js';
import { recordScans } from './flags.js';
import { marksKey } from './guard.js';
import { addScanMarks } from './marks.js';
import { type ScanMemo, scanTimeline, type TimelineScan } from './timelines.js';

export { type AllowList, EMPTY_ALLOW, FINGERPRINT, formatAllowList, isAllowed, parseAllowList } from './allow.js';
export { ALLOW_FILE, ALLOW_REF, readAllowList, writeAllowList } from './allowRef.js';
export { type Flagged, type FlaggedFinding, type FlagRun, flagNew, waitingFindings } from './flags.js';
export { findingLine, marksKey, type Outgoing, scanOutgoing, secretsRefusal } from './guard.js';
export { addScanMarks, readScanMarks } from './marks.js';
export { type Finding, fingerprintOf, maskOf, Scanner } from './scan.js';
export { type Redacted, type RedactSelection, redactTimeline, UNREDACTED_PREFIX } from './redact.js';
export { mapStrings, stringsOf } from './strings.js';
export { scanTimeline, type TimelineScan } from './timelines.js';

/**
 * Scan whole timelines (what `agentlog scan` reports): every event from genesis, a fork's shared
 * prefix scanned once. A tip found clean is marked, so a later push skips it. `progress` is called
 * after each timeline.
 */
export async function scanTimelines(
  store: Store,
  targets: ReadonlyArray<{ name: string; commit: string }>,
  progress?: (done: number, total: number, events: number) => void,
): Promise<TimelineScan[]> {
  const { list } = readAllowList(store);
  const memo: ScanMemo = new Map();
  const out: TimelineScan[] = [];
  let events = 0;
  for (const t of targets) {
    const r = await scanTimeline(store, t.name, t.commit, list, { memo });
    events += r.scanned;
    out.push(r);
    progress?.(out.length, targets.length, events);
  }
  const clean = out.filter((r) => !r.findings.length).map((r) => r.tip);
  if (clean.length) addScanMarks(store.gitDir, marksKey(list), clean);
  recordScans(store, marksKey(list), out);
  return out;
}

import { AgentlogError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AllowList } from './allow.js';
import { readAllowList } from './allowRef.js';
import { addScanMarks, readScanMarks } from './marks.js';
import { RULESET } from './rules.js';
import type { Finding } from './scan.js';
import { type ScanMemo, scanTimeline, type TimelineScan } from './timelines.js';

/** A timeline about to leave: its tip, and what the other side holds of it already (if anything). */
export interface Outgoing {
  name: string;
  next: string;
}

/** The key the scanned-clean marks are kept under: the rule set and the allow list (marks.ts). */
export function marksKey(allow: AllowList): string {
  return `${RULESET}:${allow.digest}`;
}

/**
 * Scan what is about to leave the machine (a push's timelines, an export): each timeline from its
 * tip back to the first commit the other side holds (`held`: the remote's tips) or that is marked
 * clean, so a push costs in proportion to what is new. A timeline found clean is marked (its tip), so
 * the next push or export scans only what follows. Returns the timelines with findings.
 */
export async function scanOutgoing(
  store: Store,
  outgoing: readonly Outgoing[],
  held: Iterable<string> = [],
): Promise<{ dirty: TimelineScan[]; scanned: number }> {
  const { list } = readAllowList(store);
  const key = marksKey(list);
  const stop = new Set([...held, ...readScanMarks(store.gitDir, key)]);
  const memo: ScanMemo = new Map();
  const dirty: TimelineScan[] = [];
  const clean: string[] = [];
  let scanned = 0;
  for (const o of outgoing) {
    const r = await scanTimeline(store, o.name, o.next, list, { stop, memo });
    scanned += r.scanned;
    if (r.findings.length) dirty.push(r);
    else clean.push(o.next);
  }
  if (clean.length) addScanMarks(store.gitDir, key, clean);
  return { dirty, scanned };
}

/** How many findings of each timeline a refusal lists (the rest: `agentlog scan NAME`). */
const LISTED = 5;

export function findingLine(f: Finding): string {
  return `seq ${f.seq} ${f.path}: ${f.rule} ${f.masked}, finding ${f.fingerprint}`;
}

/**
 * The error that refuses to send timelines holding secrets (E_SECRET): each timeline, what was found
 * (masked), and what to do. `doing`: 'push' or 'export'.
 */
export function secretsRefusal(dirty: readonly TimelineScan[], doing: 'push' | 'export'): AgentlogError {
  const lines = [`${doing} refused: ${dirty.length} timeline(s) hold what looks like secrets; nothing was sent:`];
  for (const d of dirty) {
    lines.push(`  ${d.timeline}:`);
    for (const f of d.findings.slice(0, LISTED)) lines.push(`    ${findingLine(f)}`);
    if (d.findings.length > LISTED) lines.push(`    … and ${d.findings.length - LISTED} more (agentlog scan ${d.timeline})`);
  }
  const name = dirty[0]?.timeline ?? 'NAME';
  lines.push(
    'What to do:',
    `  agentlog redact ${name} --all        rewrite the timeline with each secret replaced (the original stays on this machine only)`,
    '  agentlog allow finding:FINGERPRINT   when a finding is not a secret (rule:NAME for a whole rule)',
    `  agentlog ${doing} --allow-secrets     ${doing === 'push' ? 'send' : 'write'} them anyway, this once`,
  );
  const findings = dirty.flatMap((d) => d.findings);
  return new AgentlogError('E_SECRET', lines.join('\n'), { timelines: dirty.map((d) => d.timeline), findings });
}

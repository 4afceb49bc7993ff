import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAgentlogError } from '../errors.js';
import { Lock } from '../git/lock.js';
import { commonDir } from '../git/repo.js';
import { readCheckedJson, writeCheckedJson } from '../store/checkedJson.js';
import type { Store } from '../store/store.js';
import { readAllowList } from './allowRef.js';
import { marksKey } from './guard.js';
import { addScanMarks, readScanMarks } from './marks.js';
import type { Finding } from './scan.js';
import { type ScanMemo, scanTimeline } from './timelines.js';

/**
 * Findings waiting for a person: what capture leaves for later (issue 13: scanning never slows an
 * append or a capture hook; a session is flagged later, off the hot path). After a command that
 * brought events in (capture's hook, import), the CLI starts `agentlog scan --new` in the background
 * (cli/autoScan.ts); it scans each timeline only from its tip back to what was scanned before (a tip
 * marked clean, marks.ts, or the tip recorded here), and records what it found; `agentlog status`
 * lists it. `agentlog scan` (whole timelines) records its results here too.
 *
 * Derived, like the store's other files under `.git/agentlog/` (I14): `findings.json`,
 * `{v: 1, key, timelines: {NAME: {tip, count, findings: [{seq, cid, path, rule, fingerprint,
 * masked}…]}}}` with the CRC-32 of checkedJson.ts; keyed by the rule set and the allow list (a
 * different key reads as nothing scanned); at most MAX_KEPT findings kept per timeline (`count` says
 * how many there were). Never the secret: the masked form only. Missing or damaged: nothing known,
 * and the next `scan --new` scans every timeline not marked clean.
 */
const FILE = 'findings.json';
const VERSION = 1;
const MAX_FILE = 8 << 20;
const MAX_KEPT = 50;
/** Runs one `scan --new` makes at most for requests that came in while it ran (the next capture starts another). */
const MAX_ROUNDS = 32;

/** What is kept of a finding: where it is and what rule, masked; enough for a person to act on. */
export type FlaggedFinding = Pick<Finding, 'seq' | 'cid' | 'path' | 'rule' | 'fingerprint' | 'masked'>;

export interface Flagged {
  timeline: string;
  /** The tip that was scanned: the findings hold for it and every later tip it leads to. */
  tip: string;
  /** How many findings there were (only the first MAX_KEPT are kept). */
  count: number;
  findings: FlaggedFinding[];
}

function file(gitDir: string): string {
  return path.join(commonDir(gitDir), 'agentlog', FILE);
}

const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

function readFlagged(name: string, v: unknown): Flagged | undefined {
  const e = v as { tip?: unknown; count?: unknown; findings?: unknown } | null;
  if (!e || !text(e.tip, 40) || !/^[0-9a-f]{40}$/.test(e.tip) || !Number.isSafeInteger(e.count) || !Array.isArray(e.findings)) return undefined;
  const findings: FlaggedFinding[] = [];
  for (const f of e.findings.slice(0, MAX_KEPT) as Array<Record<string, unknown>>) {
    if (
      !f ||
      !Number.isSafeInteger(f.seq) ||
      !text(f.cid, 100) ||
      !text(f.path, 1000) ||
      !text(f.rule, 200) ||
      !text(f.fingerprint, 64) ||
      !text(f.masked, 100)
    ) {
      return undefined;
    }
    findings.push({ seq: f.seq as number, cid: f.cid, path: f.path, rule: f.rule, fingerprint: f.fingerprint, masked: f.masked });
  }
  return { timeline: name, tip: e.tip, count: Math.max(e.count as number, findings.length), findings };
}

/** The findings recorded under `key` (marksKey), by timeline; undefined when nothing was recorded under it (never scanned, a new allow list or rule set, a damaged file). */
export function readFlags(gitDir: string, key: string): Map<string, Flagged> | undefined {
  const body = readCheckedJson(file(gitDir), MAX_FILE) as { v?: unknown; key?: unknown; timelines?: unknown } | undefined;
  if (body?.v !== VERSION || body.key !== key || !body.timelines || typeof body.timelines !== 'object') return undefined;
  const out = new Map<string, Flagged>();
  for (const [name, v] of Object.entries(body.timelines as Record<string, unknown>)) {
    const f = readFlagged(name, v);
    if (f) out.set(name, f);
  }
  return out;
}

function writeFlags(gitDir: string, key: string, flags: ReadonlyMap<string, Flagged>): void {
  const timelines: Record<string, Omit<Flagged, 'timeline'>> = {};
  for (const f of flags.values()) timelines[f.timeline] = { tip: f.tip, count: f.count, findings: f.findings.slice(0, MAX_KEPT) };
  writeCheckedJson(file(gitDir), { v: VERSION, key, timelines });
}

function flagged(timeline: string, tip: string, found: readonly Finding[], before: Flagged | undefined): Flagged {
  const findings: FlaggedFinding[] = [...(before?.findings ?? [])];
  for (const f of found) {
    if (findings.length >= MAX_KEPT) break;
    findings.push({ seq: f.seq, cid: f.cid, path: f.path, rule: f.rule, fingerprint: f.fingerprint, masked: f.masked });
  }
  return { timeline, tip, count: (before?.count ?? 0) + found.length, findings };
}

/** Record whole-timeline scans (`agentlog scan`): each scanned timeline's findings replace what was recorded for it. */
export function recordScans(store: Store, key: string, scans: ReadonlyArray<{ timeline: string; tip: string; findings: readonly Finding[] }>): void {
  const flags = readFlags(store.gitDir, key) ?? new Map<string, Flagged>();
  for (const s of scans) {
    if (s.findings.length) flags.set(s.timeline, flagged(s.timeline, s.tip, s.findings, undefined));
    else flags.delete(s.timeline);
  }
  writeFlags(store.gitDir, key, flags);
}

export interface FlagRun {
  /** Whether this run did the work: false when another `scan --new` held the lock (it scans again for this one, below). */
  ran: boolean;
  /** Timelines scanned (some of their events), events scanned. */
  timelines: number;
  events: number;
  /** Every timeline with findings after the run. */
  flagged: Flagged[];
}

/**
 * Scan what is new in every timeline: from each tip back to a tip marked clean or to the tip scanned
 * last time (whose findings carry over when the new tip leads to it; a rewritten timeline, e.g.
 * redacted, is scanned again from genesis or a clean mark). A tip with no finding is marked clean
 * (so a push skips it too); timelines that are gone are dropped.
 *
 * One run at a time per store (`.git/agentlog/scan-new.lock`, git's lock rules): a run that finds
 * the lock held leaves a request (`scan-new.again`) and returns; the holder, once it has released
 * the lock, sees the request and runs again, so events that came in during a run are never left
 * unscanned.
 */
export async function flagNew(store: Store): Promise<FlagRun> {
  const base = path.join(commonDir(store.gitDir), 'agentlog', 'scan-new');
  const again = `${base}.again`;
  const out: FlagRun = { ran: false, timelines: 0, events: 0, flagged: [] };
  fs.mkdirSync(path.dirname(base), { recursive: true });
  fs.writeFileSync(again, '');
  for (let round = 0; round < MAX_ROUNDS && fs.existsSync(again); round++) {
    let lock: Lock;
    try {
      lock = Lock.acquireNow(base);
    } catch (e) {
      if (isAgentlogError(e) && e.code === 'E_LOCK') return out; // the holder runs again for us
      throw e;
    }
    try {
      fs.rmSync(again, { force: true });
      const r = await flagOnce(store);
      out.ran = true;
      out.timelines += r.timelines;
      out.events += r.events;
      out.flagged = r.flagged;
    } finally {
      lock.release();
    }
  }
  return out;
}

async function flagOnce(store: Store): Promise<Omit<FlagRun, 'ran'>> {
  const { list } = readAllowList(store);
  const key = marksKey(list);
  const marks = readScanMarks(store.gitDir, key);
  const before = readFlags(store.gitDir, key) ?? new Map<string, Flagged>();
  const after = new Map<string, Flagged>();
  const memo: ScanMemo = new Map();
  const clean: string[] = [];
  let timelines = 0;
  let events = 0;
  for (const [name, tip] of store.timelines()) {
    const last = before.get(name);
    if (marks.has(tip)) continue;
    if (last?.tip === tip) {
      after.set(name, last);
      continue;
    }
    const stop = new Set(marks);
    if (last) stop.add(last.tip);
    const r = await scanTimeline(store, name, tip, list, { stop, memo });
    timelines++;
    events += r.scanned;
    const carried = last && r.stoppedAt === last.tip ? last : undefined;
    if (r.findings.length || carried) after.set(name, flagged(name, tip, r.findings, carried));
    else clean.push(tip);
  }
  if (clean.length) addScanMarks(store.gitDir, key, clean);
  writeFlags(store.gitDir, key, after);
  return { timelines, events, flagged: [...after.values()] };
}

/**
 * The findings waiting (what `status` lists): those recorded under today's rule set and allow list,
 * for timelines that still exist and still lead to the tip that was scanned (a timeline rewritten
 * since, e.g. redacted, waits for its next scan); undefined when nothing was ever recorded.
 */
export function waitingFindings(store: Store): Flagged[] | undefined {
  const { list } = readAllowList(store);
  const flags = readFlags(store.gitDir, marksKey(list));
  if (!flags) return undefined;
  const live = store.timelines();
  return [...flags.values()].filter((f) => {
    const tip = live.get(f.timeline);
    return tip !== undefined && leadsTo(store, tip, f.tip);
  });
}

/** Whether `tip`'s first-parent history holds `scanned` (walked back only as far as its seq). */
function leadsTo(store: Store, tip: string, scanned: string): boolean {
  if (tip === scanned) return true;
  try {
    let floor: number | undefined;
    for (const c of store.history(scanned)) {
      floor = c.seq;
      break;
    }
    if (floor === undefined) return false;
    for (const c of store.history(tip)) {
      if (c.oid === scanned) return true;
      if (c.seq <= floor) return false;
    }
  } catch {
    // a scanned tip no longer in the store (pruned after a rewrite): its findings wait for a new scan
  }
  return false;
}

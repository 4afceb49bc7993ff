/**
 * core/status/ owns `agentlog status`: the store at a glance, as plain data for the CLI and any other
 * presenter. Where the store is and what HEAD holds; each remote with its timelines ahead, behind or
 * diverged against the remote-tracking refs the last push or pull left (no network: like git status,
 * as of the last sync); capture, installed or not for each agent and whether its hooks name this
 * store, with the last line of the hooks' log; and findings waiting for a person (FindingsProbe: the
 * hook point where a scanner, such as the secrets scanner, reports; none is reported without one).
 * Reads only: refs, the git config, the agents' settings files, the tail of the capture log.
 */
import * as fs from 'node:fs';
import { captureLog } from '../capture/hook.js';
import { captureSetup, captureStatus, type CaptureAgent, type CaptureScope } from '../capture/install.js';
import type { Store } from '../store/store.js';
import { commonAncestor } from '../sync/adopt.js';
import { listRemotes } from '../sync/remotes.js';
import { redact } from '../sync/http.js';

export interface TimelineSync {
  name: string;
  /** Events the store has that the remote's last-seen tip lacks, and the other way round. */
  ahead: number;
  behind: number;
  /** Both sides have events the other lacks (a pull keeps the store's as a fork). */
  diverged: boolean;
}

export interface RemoteStatus {
  name: string;
  url: string;
  /** Timelines on both sides that differ (up-to-date ones are only counted). */
  differ: TimelineSync[];
  upToDate: number;
  /** Local timelines the remote has never had (as far as the last sync knows). */
  notPushed: string[];
  /** Timelines only the remote has (a pull brings them). */
  onlyThere: string[];
}

export interface CaptureState {
  agent: CaptureAgent;
  scope: CaptureScope;
  file: string;
  installed: boolean;
  /** Whether an installed hook names this store (else it captures into another one). */
  here: boolean;
}

/** Something a scanner found that waits for a person (a secret in an event, …). */
export interface Finding {
  kind: string;
  timeline: string;
  seq: number;
  /** One line, safe to show (never the secret itself). */
  what: string;
}

/**
 * The hook point for scanners: given the store, the findings that wait for a person. agentlog
 * status lists what it returns; without one, `findings` is null (not checked), never an invented
 * count.
 */
export type FindingsProbe = (store: Store) => Finding[] | null;

export interface StoreStatus {
  store: string;
  gitDir: string;
  timelines: number;
  /** The timeline HEAD is attached to, when it exists; `detached` when HEAD names a commit. */
  head: { timeline?: string; detached?: string };
  remotes: RemoteStatus[];
  capture: CaptureState[];
  /** The last line of the capture hooks' log, if they ever ran. */
  lastCapture?: string;
  findings: Finding[] | null;
}

export interface StatusOptions {
  env: NodeJS.ProcessEnv;
  /** The project folder the store belongs to (for Claude Code's project settings). */
  project: string;
  findings?: FindingsProbe;
}

export function storeStatus(store: Store, opts: StatusOptions): StoreStatus {
  const local = store.timelines();
  const head = store.head();
  const attached = head.symbolic?.startsWith('refs/heads/') ? head.symbolic.slice('refs/heads/'.length) : undefined;
  const remotes = listRemotes(store.gitDir).map((r) => remoteStatus(store, r.name, redact(r.url), local));
  const capture: CaptureState[] = [];
  for (const [agent, scope] of [
    ['claude', 'user'],
    ['claude', 'project'],
    ['codex', 'user'],
  ] as const) {
    const setup = captureSetup(agent, scope, opts.env, opts.project);
    let found: string[] = [];
    try {
      found = captureStatus(setup);
    } catch {
      found = []; // a settings file that does not parse: capture status says why
    }
    capture.push({ agent, scope, file: setup.file, installed: found.length > 0, here: found.some((f) => f.includes(store.dir)) });
  }
  return {
    store: store.dir,
    gitDir: store.gitDir,
    timelines: local.size,
    head: attached && local.has(attached) ? { timeline: attached } : !head.symbolic && head.oid ? { detached: head.oid } : {},
    remotes,
    capture,
    ...lastLine(captureLog(store.gitDir)),
    findings: opts.findings ? opts.findings(store) : null,
  };
}

function remoteStatus(store: Store, name: string, url: string, local: Map<string, string>): RemoteStatus {
  const prefix = `refs/remotes/${name}/`;
  const theirs = new Map<string, string>();
  for (const [ref, oid] of store.listRefsChecked(prefix).refs) if (ref !== `${prefix}HEAD`) theirs.set(ref.slice(prefix.length), oid);
  const out: RemoteStatus = { name, url, differ: [], upToDate: 0, notPushed: [], onlyThere: [] };
  for (const [timeline, tip] of local) {
    const there = theirs.get(timeline);
    if (there === undefined) out.notPushed.push(timeline);
    else if (there === tip) out.upToDate++;
    else out.differ.push(compare(store, timeline, tip, there));
  }
  for (const timeline of theirs.keys()) if (!local.has(timeline)) out.onlyThere.push(timeline);
  return out;
}

/** Ahead and behind by seq from the last commit both share (timelines are linear, I3). */
function compare(store: Store, name: string, mine: string, theirs: string): TimelineSync {
  const seqOf = (oid: string) => (store.hasObject(oid) ? store.commitInfo(oid).seq : -1);
  const a = seqOf(mine);
  const b = seqOf(theirs);
  const base = store.hasObject(theirs) ? commonAncestor(store, mine, theirs) : undefined;
  const at = base?.seq ?? -1;
  const ahead = a - at;
  const behind = b < 0 ? 0 : b - at;
  return { name, ahead, behind, diverged: ahead > 0 && behind > 0 };
}

/** The last line of a log, reading at most its last 4 KiB. */
function lastLine(file: string): { lastCapture?: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return {};
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const line = buf.toString('utf8').trimEnd().split('\n').pop();
    return line ? { lastCapture: line.slice(0, 300) } : {};
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The long work the extension hands to its worker thread (coreWorker.ts), so the extension host
 * stays responsive: a timeline's secrets scan (the whole timeline, or only what follows a tip scanned
 * before), its stats, a search (which first brings the index up to date), a push (whose outgoing scan
 * may refuse it), a redaction. Plain Node over core, no VS Code: vitest runs these in-process, the
 * extension in dist/coreWorker.js.
 */
import {
  addScanMarks,
  type Finding,
  type IndexProgress,
  marksKey,
  push,
  type Redacted,
  readAllowList,
  readScanMarks,
  redactTimeline,
  scanTimeline,
  search,
  type SearchResult,
  type Stats,
  Store,
  storeStats,
  type SyncReport,
} from '../../core/index.js';

export interface Jobs {
  /**
   * Scan `timeline` at `tip`. With `since` (a tip scanned before) that is an ancestor of `tip`, only
   * the events after it are scanned (`incremental`: the caller keeps what it had); else the whole
   * timeline.
   */
  scan: { args: { dir: string; timeline: string; tip: string; since?: string }; result: { findings: Finding[]; incremental: boolean; scanned: number } };
  stats: { args: { dir: string; timeline: string; tip: string }; result: Stats };
  search: { args: { dir: string; query: string; limit?: number; width?: number }; result: SearchResult };
  push: { args: { dir: string; remote: string; allowSecrets?: boolean }; result: SyncReport };
  redact: { args: { dir: string; timeline: string; selection: { finding?: string; rule?: string; all?: boolean } }; result: Redacted[] };
}
export type JobName = keyof Jobs;

/** What a job may report while it runs: a search's index build, a push's phases. */
export type JobProgress = { kind: 'index'; progress: IndexProgress } | { kind: 'sync'; phase: string; loaded: number; total?: number };

const stores = new Map<string, Store>();
function open(dir: string): Store {
  let s = stores.get(dir);
  if (!s) {
    s = Store.open(dir);
    stores.set(dir, s);
  }
  return s;
}

/** Whether `ancestor` is on the first-parent history of `tip` (walked back only to its seq). */
function descends(store: Store, tip: string, ancestor: string): boolean {
  if (tip === ancestor) return true;
  let seq: number;
  try {
    seq = store.commitInfo(ancestor).seq;
  } catch {
    return false;
  }
  for (const c of store.history(tip)) {
    if (c.oid === ancestor) return true;
    if (c.seq >= 0 && c.seq < seq) return false;
  }
  return false;
}

export async function runJob<K extends JobName>(name: K, args: Jobs[K]['args'], progress: (p: JobProgress) => void = () => {}): Promise<Jobs[K]['result']> {
  const a = args as Jobs[JobName]['args'];
  const store = open(a.dir);
  switch (name) {
    case 'scan': {
      // Commits marked scanned clean (by a push, agentlog scan, or an earlier panel) need no scan, nor anything before them.
      const { timeline, tip, since } = a as Jobs['scan']['args'];
      const { list } = readAllowList(store);
      const key = marksKey(list);
      const stop = readScanMarks(store.gitDir, key);
      const incremental = since !== undefined && descends(store, tip, since);
      if (incremental) stop.add(since!);
      const r = await scanTimeline(store, timeline, tip, list, { stop });
      if (!r.findings.length && !incremental) addScanMarks(store.gitDir, key, [tip]);
      return { findings: r.findings, incremental, scanned: r.scanned } satisfies Jobs['scan']['result'] as Jobs[K]['result'];
    }
    case 'stats': {
      const { timeline, tip } = a as Jobs['stats']['args'];
      return storeStats(store, [{ name: timeline, commit: tip }]) as Jobs[K]['result'];
    }
    case 'search': {
      const { query, limit, width } = a as Jobs['search']['args'];
      return search(store, query, { limit: limit ?? 50, width: width ?? 120, progress: (p) => progress({ kind: 'index', progress: p }) }) as Jobs[K]['result'];
    }
    case 'push': {
      const { remote, allowSecrets } = a as Jobs['push']['args'];
      return (await push(store, remote, [], {
        allowSecrets,
        progress: (phase, loaded, total) => progress({ kind: 'sync', phase, loaded, total }),
      })) as Jobs[K]['result'];
    }
    case 'redact': {
      const { timeline, selection } = a as Jobs['redact']['args'];
      return (await redactTimeline(store, timeline, selection)) as Jobs[K]['result'];
    }
  }
  throw new Error(`no job named ${String(name)}`);
}

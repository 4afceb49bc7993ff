/**
 * Which events changed files, for the session panel: each checkpoint event (core/workspace/, I16) of
 * the timeline with the files that differ from the checkpoint before it. A partial checkpoint
 * (Claude Code's file history) names only the files it holds and the ones it lists as absent. Plain
 * data, no VS Code: the host computes it, the page draws a mark on each of these events.
 */
import { diffTrees, type Store, workspaceAt } from '../../core/index.js';

/** At most this many files are named per event (the rest counted). */
const NAMED = 20;

export interface FileMark {
  seq: number;
  /** The event's checkpoint label, if any. */
  label: string;
  /** Files changed since the previous checkpoint, `A`/`M`/`D` and the path. */
  files: string[];
  /** Files changed beyond those named. */
  more: number;
}

/**
 * The file marks of the timeline ending at `tip` (oldest first). A timeline whose tip carries no
 * `workspace/` has no checkpoint (I16): answered from the tip's root tree alone, without reading its
 * events (a 10,000-event session opens as fast as before). `events`: the panel's reader (decoded
 * once, cached), else the store's readEvents.
 */
export function fileMarks(store: Store, tip: string, events?: { count: number; at: (seq: number) => { event: unknown } }): FileMark[] {
  const out: FileMark[] = [];
  if (!workspaceAt(store, tip)) return out;
  const all = events ? undefined : store.readEvents(tip);
  const count = events ? events.count : all!.length;
  let before: string | undefined;
  for (let seq = 0; seq < count; seq++) {
    const { event } = events ? events.at(seq) : all![seq];
    const e = event as Record<string, unknown> & { kind: string; seq: number };
    const tree = e.kind === 'checkpoint' && typeof e.tree === 'string' && /^[0-9a-f]{40}$/.test(e.tree) ? e.tree : undefined;
    if (!tree) continue;
    let changes: { path: string; before?: unknown; after?: unknown }[];
    try {
      changes = diffTrees(store, before, tree);
    } catch {
      changes = []; // a snapshot that cannot be read (a hostile tree from a remote): no mark, verify says why
    }
    const absent = new Set(Array.isArray(e.absent) ? e.absent.filter((p): p is string => typeof p === 'string') : []);
    if (e.partial === true) changes = changes.filter((c) => c.after || absent.has(c.path));
    before = tree;
    if (!changes.length) continue;
    const files = changes.map((c) => `${!c.before ? 'A' : !c.after ? 'D' : 'M'} ${c.path}`);
    out.push({ seq: e.seq, label: typeof e.label === 'string' ? e.label : '', files: files.slice(0, NAMED), more: Math.max(0, files.length - NAMED) });
  }
  return out;
}

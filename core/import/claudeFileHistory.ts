import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IpldValue } from '../codec/dagcbor.js';
import { objectId, type PackObject } from '../git/object.js';
import { serializeTree, type TreeEntry } from '../git/tree.js';
import type { EventInput } from '../store/store.js';
import { claudeFileHistoryDir, fileHistorySnapshot, isBackupFileName, isSessionIdName } from '../formats/claude/fileHistory.js';
import type { ClaudeRecord } from '../formats/claude/records.js';
import { EXECUTABLE, FILE, FOLDER, MAX_FILE_BYTES, sortEntries } from '../workspace/snapshot.js';
import type { Plan } from './plan.js';

/**
 * Claude Code's file history (core/formats/claude/fileHistory.ts) as checkpoints: the event of each
 * `file-history-snapshot` record that is not an update becomes a `checkpoint` event (I16) whose tree
 * holds the files the snapshot backed up, read from `<config>/file-history/<session id>/`, as they
 * were at that point of the session, with `partial: true` (the tree holds only the files Claude Code
 * tracked, not the whole folder: a restore writes these and leaves every other file alone), `absent`
 * (the tracked files that did not exist then, which a restore deletes), `unavailable` (backups not
 * found on this machine) and the record as `source`, so an export gives it back unchanged. A snapshot
 * none of whose files can be read stays the `claude.file-history-snapshot` event it always was.
 * The trees and blobs are returned for applyPlan to write before the events that name them (I9).
 * Where the store already holds the record as the plain event (imported before the backups were
 * there, or before agentlog read file history), applyPlan takes that event for the checkpoint
 * (standsFor.ts sameFileHistoryRecord) and appends only what follows it; the count says so
 * (`heldPlain`, afterApply).
 *
 * Subagents: their transcripts (`<session>/subagents/agent-*.jsonl`) carry no file-history records,
 * so there is nothing of theirs to import here. Checked 2026-12-03: Claude Code 2.1.332's
 * insertFileHistorySnapshot appends the record to the session's own transcript (or another session's,
 * by id), never to a subagent's; the snapshot taken for a message covers every file tracked by then,
 * a subagent's edits included, and lands in the main timeline as a checkpoint. The real subagent
 * transcripts of ../shared/fixtures (2) and test/fixtures (2) hold none either.
 */

/** Backup bytes held for one import at most; the snapshots past it stay as they are, with a warning. */
const MAX_HELD_BYTES = 256 << 20;
/** At most this many `absent` paths are named in a checkpoint event. */
const MAX_ABSENT_NAMED = 1000;
export const CLAUDE_CHECKPOINT_LABEL = 'Claude Code file history';

export interface FileHistoryStats {
  /** Snapshot events made checkpoints. */
  checkpoints: number;
  /** Backed-up files those checkpoints hold (a file counted once per distinct backup). */
  files: number;
  /** Backups the snapshots name that are not on this machine (or unreadable, or over the size limit). */
  unavailable: number;
  /** Tracked files outside the session's folder (an absolute path elsewhere): not part of a checkpoint. */
  outside: number;
  /**
   * Snapshots the store already held as plain events, imported before their backups were here (or
   * before agentlog read file history): they stay as they are and are not counted in `checkpoints`.
   * An acknowledged event is never rewritten, and a checkpoint appended for an earlier point would put
   * that point's files at the tip as its newest workspace (I16), so those points keep no checkpoint.
   */
  heldPlain: number;
}

/** An empty count. */
export function noFileHistory(): FileHistoryStats {
  return { checkpoints: 0, files: 0, unavailable: 0, outside: 0, heldPlain: 0 };
}

/** Add one count to another. */
export function addFileHistory(to: FileHistoryStats, from: FileHistoryStats | undefined): void {
  if (!from) return;
  for (const k of ['checkpoints', 'files', 'unavailable', 'outside', 'heldPlain'] as const) to[k] += from[k];
}

/**
 * Turn the plan's file-history snapshot events into checkpoints where the backups are there (see
 * above); the events are replaced in place, in every timeline that shares them. Returns the objects
 * the checkpoints name and what was found.
 */
export function withFileHistory(
  plan: Plan,
  options: { env?: NodeJS.ProcessEnv } = {},
): { objects: PackObject[]; stats: FileHistoryStats; backups: Map<EventInput, string[]> } {
  const stats = noFileHistory();
  const objects = new Objects();
  const snapshots = plan.timelines.flatMap((t) => t.events).filter((e) => e.kind === 'claude.file-history-snapshot');
  if (snapshots.length === 0 || !isSessionIdName(plan.sessionId)) return { objects: [], stats, backups: new Map() };
  const dir = claudeFileHistoryDir(plan.sessionId, options.env);
  const cwd = typeof plan.timelines[0]?.events[0]?.cwd === 'string' ? (plan.timelines[0].events[0].cwd as string) : undefined;
  const reader = new BackupReader(dir, objects);
  const made = new Map<EventInput, EventInput>();
  const backups = new Map<EventInput, string[]>(); // each checkpoint's backup files
  const missing = new Set<string>();
  for (const e of snapshots) {
    if (made.has(e)) continue;
    const record = (e.source as { record?: ClaudeRecord } | undefined)?.record;
    const snap = record ? fileHistorySnapshot(record) : undefined;
    if (!snap || snap.update || snap.backups.length === 0) {
      made.set(e, e);
      continue;
    }
    const files = new Map<string, { mode: string; oid: string; size: number }>();
    const absent: string[] = [];
    let unavailable = 0;
    for (const b of snap.backups) {
      const rel = relativePath(b.path, cwd);
      if (rel === undefined) {
        stats.outside++;
        continue;
      }
      if (b.backupFileName === null) {
        absent.push(rel);
        continue;
      }
      const blob = isBackupFileName(b.backupFileName) ? reader.read(b.backupFileName) : undefined;
      if (!blob || blob === 'over') {
        unavailable++;
        missing.add(b.backupFileName);
        continue;
      }
      files.set(rel, blob);
    }
    // Nothing to write, or only deletions while some backups are missing (a restore would delete without writing): as it was.
    if (files.size === 0 && (absent.length === 0 || unavailable > 0)) {
      made.set(e, e);
      continue;
    }
    const tree = buildTree(files, objects);
    const cp: EventInput = {
      kind: 'checkpoint',
      ts: e.ts,
      tree,
      label: CLAUDE_CHECKPOINT_LABEL,
      files: files.size,
      bytes: [...files.values()].reduce((n, f) => n + f.size, 0),
      partial: true,
      ...(absent.length > 0 && { absent: absent.sort().slice(0, MAX_ABSENT_NAMED) }),
      ...(unavailable > 0 && { unavailable }),
      source: e.source as IpldValue,
    };
    made.set(e, cp);
    backups.set(cp, [...new Set(snap.backups.flatMap((b) => (b.backupFileName !== null && reader.has(b.backupFileName) ? [b.backupFileName] : [])))]);
    stats.checkpoints++;
  }
  for (const t of plan.timelines) t.events = t.events.map((e) => made.get(e) ?? e);
  stats.files = reader.count;
  stats.unavailable = missing.size;
  return { objects: objects.list, stats, backups };
}

/**
 * The count once the plan is applied: the checkpoints the store holds plain (`heldPlain`, applyPlan)
 * were not made, and the backups only they hold are not counted as imported.
 */
export function afterApply(stats: FileHistoryStats, backups: Map<EventInput, string[]>, heldPlain: Set<EventInput>): FileHistoryStats {
  if (heldPlain.size === 0) return stats;
  const files = new Set<string>();
  for (const [cp, names] of backups) if (!heldPlain.has(cp)) for (const n of names) files.add(n);
  return { ...stats, checkpoints: stats.checkpoints - heldPlain.size, files: files.size, heldPlain: stats.heldPlain + heldPlain.size };
}

/** A tracked path as a path inside the session's folder, or undefined when it lies outside or is not a sane path. */
function relativePath(p: string, cwd: string | undefined): string | undefined {
  let rel = p;
  if (path.isAbsolute(p)) {
    if (!cwd || !p.startsWith(`${cwd.replace(/\/+$/, '')}/`)) return undefined;
    rel = p.slice(cwd.replace(/\/+$/, '').length + 1);
  }
  const parts = rel.split('/');
  const bad = (s: string) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git' || s.includes('\u0000') || s.includes('\\');
  return parts.length > 256 || parts.some(bad) ? undefined : parts.join('/');
}

/** Backup files read once each, as blobs added to `objects`; bounded by MAX_HELD_BYTES in all. */
class BackupReader {
  count = 0;
  private held = 0;
  private readonly seen = new Map<string, { mode: string; oid: string; size: number } | undefined | 'over'>();
  constructor(
    private readonly dir: string,
    private readonly objects: Objects,
  ) {}

  /** Whether a backup was read (found, within the limits). */
  has(name: string): boolean {
    const got = this.seen.get(name);
    return got !== undefined && got !== 'over';
  }

  read(name: string): { mode: string; oid: string; size: number } | undefined | 'over' {
    if (this.seen.has(name)) return this.seen.get(name);
    const got = this.load(name);
    this.seen.set(name, got);
    return got;
  }

  private load(name: string): { mode: string; oid: string; size: number } | undefined | 'over' {
    const file = path.join(this.dir, name);
    let content: Buffer;
    let mode: number;
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
      if (this.held + st.size > MAX_HELD_BYTES) return 'over';
      content = fs.readFileSync(file);
      mode = st.mode;
    } catch {
      return undefined;
    }
    if (content.length > MAX_FILE_BYTES) return undefined;
    this.held += content.length;
    const oid = objectId('blob', content);
    this.objects.add({ type: 'blob', content, oid });
    this.count++;
    return { mode: mode & 0o100 ? EXECUTABLE : FILE, oid, size: content.length };
  }
}

/** Objects to write, each once. */
class Objects {
  readonly list: PackObject[] = [];
  private readonly oids = new Set<string>();
  add(o: PackObject): void {
    if (this.oids.has(o.oid)) return;
    this.oids.add(o.oid);
    this.list.push(o);
  }
}

type Node = Map<string, Node | { mode: string; oid: string }>;

/** The tree of `files` (path → blob), its trees added to `objects`; a path that collides with a folder (or under a file) is left out. */
function buildTree(files: Map<string, { mode: string; oid: string }>, objects: Objects): string {
  const root: Node = new Map();
  for (const [p, f] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parts = p.split('/');
    let at: Node | undefined = root;
    for (const part of parts.slice(0, -1)) {
      const next: Node | { mode: string; oid: string } | undefined = at.get(part);
      if (next === undefined) {
        const made: Node = new Map();
        at.set(part, made);
        at = made;
      } else if (next instanceof Map) at = next;
      else {
        at = undefined;
        break;
      }
    }
    const leaf = parts[parts.length - 1];
    if (at && !at.has(leaf)) at.set(leaf, f);
  }
  const write = (node: Node): string => {
    const entries: TreeEntry[] = [...node.entries()].map(([name, v]) => (v instanceof Map ? { name, mode: FOLDER, oid: write(v) } : { name, ...v }));
    const content = serializeTree(sortEntries(entries));
    const oid = objectId('tree', content);
    objects.add({ type: 'tree', content, oid });
    return oid;
  };
  const tree = write(root);
  return tree;
}

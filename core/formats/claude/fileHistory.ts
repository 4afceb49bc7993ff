import * as path from 'node:path';
import { claudeProjectsDir } from './paths.js';
import type { ClaudeRecord } from './records.js';

/**
 * Claude Code's file history, as its session files and `<config>/file-history/` hold it (checked
 * against the real `claude` 2.1.332 in test/agents/file-history.test.ts; the SDK and `-p` write it
 * with CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=1, the interactive agent always).
 *
 * Before it acts on a prompt, Claude Code writes a `file-history-snapshot` record (`messageId`: the
 * prompt's uuid; `snapshot.trackedFileBackups`: `{<path>: {backupFileName, version, backupTime}}`):
 * every file it has tracked so far, each as it is at that moment, copied to
 * `<config>/file-history/<session id>/<backupFileName>` (`<16 hex>@v<version>`); `backupFileName` null
 * says the file did not exist then. A path is relative to the session's cwd (absolute outside it). A
 * file first edited later in the turn is added to that snapshot as it was before the edit: by a
 * `file-history-delta` record (2.1.3xx) or by the whole snapshot again with `isSnapshotUpdate: true`
 * (earlier versions). So a snapshot record that is not an update says exactly what its files held at
 * its place in the session; an update or a delta does not (a file of the snapshot may have been edited
 * since), and only the next snapshot record says what the turn left.
 */

export interface FileBackup {
  /** The path as recorded: relative to the session's cwd, or absolute. */
  path: string;
  /** The backup's file name in the session's file-history folder; null when the file did not exist. */
  backupFileName: string | null;
}

export interface FileHistorySnapshot {
  messageId?: string;
  /** An `isSnapshotUpdate: true` record: the files of a snapshot taken earlier, not a state of its own. */
  update: boolean;
  backups: FileBackup[];
}

/** A `file-history-snapshot` record's content, every field checked; undefined for any other record or a malformed one. */
export function fileHistorySnapshot(v: ClaudeRecord): FileHistorySnapshot | undefined {
  if (v.type !== 'file-history-snapshot') return undefined;
  const snap = v.snapshot;
  if (!snap || typeof snap !== 'object' || Array.isArray(snap)) return undefined;
  const tracked = snap.trackedFileBackups;
  if (!tracked || typeof tracked !== 'object' || Array.isArray(tracked)) return undefined;
  const backups: FileBackup[] = [];
  for (const [p, b] of Object.entries(tracked as Record<string, unknown>)) {
    if (!b || typeof b !== 'object' || Array.isArray(b)) continue;
    const name = (b as Record<string, unknown>).backupFileName;
    if (name === null || typeof name === 'string') backups.push({ path: p, backupFileName: name });
  }
  const messageId = typeof v.messageId === 'string' ? v.messageId : undefined;
  return { ...(messageId !== undefined && { messageId }), update: v.isSnapshotUpdate === true, backups };
}

/** A backup file name as Claude Code makes them (`<hash>@v<n>`), and nothing a path could abuse. */
export const isBackupFileName = (name: string): boolean => /^[A-Za-z0-9_-]{1,128}@v[0-9]{1,9}$/.test(name);

/** A session id fit to name a folder (Claude Code's are UUIDs). */
export const isSessionIdName = (id: string): boolean => /^[A-Za-z0-9_-]{1,128}$/.test(id);

/** The folder of a session's file backups: `<config>/file-history/<session id>` ($CLAUDE_CONFIG_DIR, else ~/.claude). */
export function claudeFileHistoryDir(sessionId: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(claudeProjectsDir(env)), 'file-history', sessionId);
}

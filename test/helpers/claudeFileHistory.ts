import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../core/store/store.js';
import { git, tmpdir } from './tmp.js';

/**
 * Claude Code's file history laid out exactly as the real `claude` 2.1.332 lays it out
 * (test/agents/file-history.test.ts runs the real one): the session file under <config>/projects/,
 * the backups as <config>/file-history/<session id>/<hash>@v<n>, a `file-history-snapshot` record
 * after each prompt naming every tracked file's backup as it was then, and `file-history-delta`
 * records adding a file the turn edits for the first time (backup null: it did not exist).
 */

export const ID = 'c9a60d7a-bd4a-417c-ad02-084da0ff522d';
export const A = '8141ae61822e871e';
export const B = 'a60505675101e162';

export type Rec = Record<string, unknown>;

/** A machine: Claude's config folder, the project folder, and a session of three prompts written there. */
export function claudeMachine(): { config: string; project: string; file: string; history: string; env: NodeJS.ProcessEnv } {
  const root = tmpdir('claude-fh-');
  const config = path.join(root, 'home/.claude');
  const project = path.join(root, 'project');
  fs.mkdirSync(project, { recursive: true });
  const history = path.join(config, 'file-history', ID);
  fs.mkdirSync(history, { recursive: true });
  // What the three turns backed up: a.txt before turn 1 (v1), after it (v2), after turn 2 (v3); sub/b.txt created in turn 1 (v1: null), as turn 1 left it (v2), deleted in turn 2 (v3: null).
  fs.writeFileSync(path.join(history, `${A}@v1`), 'alpha\n');
  fs.writeFileSync(path.join(history, `${A}@v2`), 'ALPHA\n');
  fs.writeFileSync(path.join(history, `${A}@v3`), 'alpha3\n');
  fs.writeFileSync(path.join(history, `${B}@v2`), 'bee\n');
  const dir = path.join(config, 'projects', project.replace(/[^A-Za-z0-9]/g, '-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${ID}.jsonl`);
  fs.writeFileSync(
    file,
    session(project)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join(''),
  );
  return { config, project, file, history, env: { CLAUDE_CONFIG_DIR: config } };
}

export function session(cwd: string): Rec[] {
  const base = { isSidechain: false, userType: 'external', cwd, sessionId: ID, version: '2.1.332' };
  let parent: string | null = null;
  let n = 0;
  const ts = () => `2026-12-03T10:33:${String(10 + n).padStart(2, '0')}.000Z`;
  const rec = (type: string, content: unknown, extra: Rec = {}): Rec => {
    n++;
    const uuid = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const r = { parentUuid: parent, ...base, type, message: { role: type, content }, uuid, timestamp: ts(), ...extra };
    parent = uuid;
    return r;
  };
  const backup = (name: string | null, version: number) => ({ backupFileName: name, version, backupTime: ts(), realParentDir: cwd });
  const snapshot = (prompt: Rec, files: Rec): Rec => ({
    type: 'file-history-snapshot',
    messageId: prompt.uuid,
    snapshot: { messageId: prompt.uuid, trackedFileBackups: files, timestamp: ts() },
    isSnapshotUpdate: false,
  });
  const tool = (id: string, name: string, input: Rec) => rec('assistant', [{ type: 'tool_use', id, name, input }]);
  const result = (id: string, text: string) => rec('user', [{ tool_use_id: id, type: 'tool_result', content: text }]);
  const out: Rec[] = [];
  const p1 = rec('user', 'first edit');
  out.push(p1, snapshot(p1, {}));
  const e1 = tool('toolu_1', 'Edit', { file_path: `${cwd}/a.txt`, old_string: 'alpha', new_string: 'ALPHA' });
  out.push(e1, {
    type: 'file-history-delta',
    messageId: e1.uuid,
    snapshotMessageId: p1.uuid,
    trackingPath: 'a.txt',
    backup: backup(`${A}@v1`, 1),
    timestamp: ts(),
  });
  out.push(result('toolu_1', 'updated'));
  const w1 = tool('toolu_2', 'Write', { file_path: `${cwd}/sub/b.txt`, content: 'bee\n' });
  out.push(w1, {
    type: 'file-history-delta',
    messageId: w1.uuid,
    snapshotMessageId: p1.uuid,
    trackingPath: 'sub/b.txt',
    backup: backup(null, 1),
    timestamp: ts(),
  });
  out.push(result('toolu_2', 'created'), rec('assistant', [{ type: 'text', text: 'done one' }]));
  const p2 = rec('user', 'second edit');
  out.push(p2, snapshot(p2, { 'sub/b.txt': backup(`${B}@v2`, 2), 'a.txt': backup(`${A}@v2`, 2) }));
  out.push(tool('toolu_3', 'Bash', { command: 'rm sub/b.txt' }), result('toolu_3', ''));
  out.push(tool('toolu_4', 'Edit', { file_path: `${cwd}/a.txt`, old_string: 'ALPHA', new_string: 'alpha3' }), result('toolu_4', 'updated'));
  out.push(rec('assistant', [{ type: 'text', text: 'done two' }]));
  const p3 = rec('user', 'third edit');
  out.push(p3, snapshot(p3, { 'sub/b.txt': backup(null, 3), 'a.txt': backup(`${A}@v3`, 3) }));
  out.push(tool('toolu_5', 'Edit', { file_path: `${cwd}/a.txt`, old_string: 'alpha3', new_string: 'alpha4' }), result('toolu_5', 'updated'));
  out.push(rec('assistant', [{ type: 'text', text: 'done three' }]));
  return out;
}

export const NAME = `claude/${ID}`;

/** The timeline's checkpoint events with their seq. */
export function checkpoints(store: Store): { seq: number; event: Rec }[] {
  return store
    .readEvents(store.tipOf(NAME)!)
    .map((e, seq) => ({ seq, event: e.event as unknown as Rec }))
    .filter((e) => e.event.kind === 'checkpoint');
}

/** The files of a snapshot tree, as the git CLI reads them from the store. */
export function filesOf(store: Store, tree: string): Record<string, string> {
  const gitDir = path.dirname(store.objectsDir);
  const out: Record<string, string> = {};
  for (const line of git(gitDir, ['ls-tree', '-r', tree]).split('\n').filter(Boolean)) {
    const [meta, p] = line.split('\t');
    out[p] = git(gitDir, ['cat-file', 'blob', meta.split(' ')[2]]);
  }
  return out;
}

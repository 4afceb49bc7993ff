/**
 * The workspace in VS Code (core/workspace/): the files of a session as they were at an event, shown
 * in read-only diff editors, restored into the session's folder, or compared between a fork and the
 * timeline it left. A snapshot's files are served read-only under the `agentlog-snapshot` scheme
 * (`agentlog-snapshot:/<path>?store=<dir>&oid=<blob>`; no oid: an empty side, the file absent).
 * Commands (each also reached from the panel's buttons beside the slider):
 *   agentlog.showFilesAt(timeline, seq?, file?)              the files at an event against the folder's
 *   agentlog.restoreWorkspaceHere(timeline, seq?, answers?)  shows what would change, then restores;
 *     a change the log never saw needs a second, explicit confirmation (`answers` pre-answers the
 *     two modal questions, 'Restore' and 'Overwrite', for scripts and tests)
 *   agentlog.compareWithParentFork(timeline, file?)          a fork's files against its parent's
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  applyRestore,
  type CheckpointAt,
  checkpointAt,
  checkpointTrees,
  commitAt,
  diffTrees,
  type FileChange,
  planRestore,
  type RestoreResult,
  type Store,
  workspaceAt,
} from '../../core/index.js';
import type { WorkspaceAction } from '../shared/protocol.js';
import { registerCommand, type CommandDeps, type TimelineArg } from './commands/command.js';
import { pickTimeline } from './commands/pick.js';
import { openStore } from './storeReader.js';

export const SNAPSHOT_SCHEME = 'agentlog-snapshot';

/** The command a panel button runs. */
export function workspaceAction(store: string, timeline: string, action: WorkspaceAction, seq: number): Thenable<unknown> {
  const command = { diff: 'agentlog.showFilesAt', restore: 'agentlog.restoreWorkspaceHere', compare: 'agentlog.compareWithParentFork' }[action];
  return vscode.commands.executeCommand(command, { store, timeline }, ...(action === 'compare' ? [] : [seq]));
}

export function registerWorkspaceActions(deps: CommandDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(SNAPSHOT_SCHEME, {
      provideTextDocumentContent(uri: vscode.Uri): string {
        const q = new URLSearchParams(uri.query);
        const oid = q.get('oid');
        const store = q.get('store');
        if (!oid || !store) return '';
        return openStore(store).readObject(oid, 'blob').content.toString('utf8');
      },
    }),
    registerCommand('agentlog.showFilesAt', async (arg: TimelineArg, seq?: number, file?: string) => {
      const at = await pointOf(deps, arg, seq);
      if (!at) return undefined;
      const { store, t, cp, label } = at;
      const dir = sessionFolder(store, at.commit);
      const changes = planRestore(store, cp.tree, dir, [], cp.overlay).changes;
      if (!changes.length) {
        vscode.window.showInformationMessage(`agentlog: ${dir} holds the files as they were at ${label}`);
        return [];
      }
      const c = await chooseFile(changes, file, `Files at ${label} against ${dir}`);
      if (c) {
        const right = fs.existsSync(path.join(dir, c.path)) ? vscode.Uri.file(path.join(dir, c.path)) : snapshotUri(store, c.path);
        await vscode.commands.executeCommand('vscode.diff', snapshotUri(store, c.path, c.after?.oid), right, `${c.path} (${t.timeline} ${label} ↔ folder)`, {
          preview: true,
        });
      }
      return changes.map((x) => x.path);
    }),
    registerCommand('agentlog.restoreWorkspaceHere', async (arg: TimelineArg, seq?: number, answers?: string[]) => {
      const at = await pointOf(deps, arg, seq);
      if (!at) return undefined;
      const { store, t, cp, label } = at;
      const dest = sessionFolder(store, at.commit);
      const tip = store.tipOf(t.timeline)!;
      const plan = planRestore(store, cp.tree, dest, [cp.tree, ...checkpointTrees(store, tip)], cp.overlay);
      if (!plan.changes.length) {
        vscode.window.showInformationMessage(`agentlog: ${dest} already holds the files of ${label}`);
        return { added: 0, modified: 0, deleted: 0 } satisfies RestoreResult;
      }
      const listed = plan.changes.slice(0, 30).map((c) => `${c.unknown ? '! ' : ''}${!c.before ? 'A' : !c.after ? 'D' : 'M'} ${c.path}`);
      if (plan.changes.length > 30) listed.push(`… and ${plan.changes.length - 30} more`);
      const partial = cp.overlay ? '\n\nA partial checkpoint: only these files change; every other file stays as it is.' : '';
      const ask = async (message: string, detail: string, button: string) =>
        answers ? answers.includes(button) : (await vscode.window.showWarningMessage(message, { modal: true, detail }, button)) === button;
      if (!(await ask(`Restore the files of ${t.timeline} ${label} into ${dest}?`, `${listed.join('\n')}${partial}`, 'Restore'))) return undefined;
      const unknown = plan.changes.filter((c) => c.unknown);
      if (unknown.length) {
        const names = unknown.slice(0, 30).map((c) => c.path);
        const sure = await ask(
          `${unknown.length} file(s) hold changes the log never saw. Overwrite them?`,
          `${names.join('\n')}\n\nWhat they hold now is kept in the store until a git gc.`,
          'Overwrite',
        );
        if (!sure) return undefined;
      }
      const done = applyRestore(store, plan, unknown.length > 0);
      vscode.window.showInformationMessage(`agentlog: restored ${label} into ${dest}: ${done.added} added, ${done.modified} changed, ${done.deleted} deleted`);
      return done;
    }),
    registerCommand('agentlog.compareWithParentFork', async (arg: TimelineArg, file?: string) => {
      const t = await pickTimeline(deps, arg);
      if (!t) return undefined;
      const store = openStore(t.store);
      const parent = store.forkRecords()[t.timeline];
      if (!parent) throw new Error(`${t.timeline} is not a fork agentlog made: there is no parent timeline to compare with`);
      const tip = store.tipOf(t.timeline);
      const parentTip = store.tipOf(parent);
      if (!tip || !parentTip) throw new Error(`no timeline named ${tip ? parent : t.timeline}`);
      const changes = diffTrees(store, workspaceAt(store, parentTip), workspaceAt(store, tip));
      if (!changes.length) {
        vscode.window.showInformationMessage(`agentlog: ${t.timeline} has the same files as ${parent}`);
        return [];
      }
      const c = await chooseFile(changes, file, `${t.timeline} against ${parent}`);
      if (c) {
        await vscode.commands.executeCommand(
          'vscode.diff',
          snapshotUri(store, c.path, c.before?.oid),
          snapshotUri(store, c.path, c.after?.oid),
          `${c.path} (${parent} ↔ ${t.timeline})`,
          { preview: true },
        );
      }
      return changes.map((x) => x.path);
    }),
  );
}

/** A timeline at an event (its tip when no seq) with the newest checkpoint there; undefined (said) when there is none. */
async function pointOf(
  deps: CommandDeps,
  arg: TimelineArg,
  seq: number | undefined,
): Promise<{ store: Store; t: { store: string; timeline: string }; commit: string; cp: CheckpointAt; label: string } | undefined> {
  const t = await pickTimeline(deps, arg);
  if (!t) return undefined;
  const store = openStore(t.store);
  const tip = store.tipOf(t.timeline);
  if (!tip) throw new Error(`no timeline named ${t.timeline}`);
  const commit = seq === undefined ? tip : commitAt(store, tip, seq);
  if (!commit) throw new Error(`${t.timeline} has no event #${seq}`);
  const label = seq === undefined ? 'its newest event' : `#${seq}`;
  const cp = checkpointAt(store, commit);
  if (!cp) {
    vscode.window.showInformationMessage(`agentlog: no checkpoint at or before ${label} of ${t.timeline}: nothing of the workspace is recorded there`);
    return undefined;
  }
  return { store, t, commit, cp, label };
}

/** The session's folder: its genesis cwd when that exists here, else the VS Code workspace folder. */
function sessionFolder(store: Store, commit: string): string {
  const cwd = store.eventAt(commit, 0)?.event.cwd;
  if (typeof cwd === 'string' && fs.existsSync(cwd)) return cwd;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('the session names no folder that exists here; open a folder first');
  return folder;
}

/** The file to show: the one named, the only one, or picked. */
async function chooseFile<C extends FileChange>(changes: C[], file: string | undefined, title: string): Promise<C | undefined> {
  if (file !== undefined) {
    const c = changes.find((x) => x.path === file);
    if (!c) throw new Error(`${file} is not among the files that differ`);
    return c;
  }
  if (changes.length === 1) return changes[0];
  const picked = await vscode.window.showQuickPick(
    changes.map((c) => ({ label: c.path, description: !c.before ? 'added' : !c.after ? 'deleted' : 'changed', c })),
    { title: `agentlog: ${title}` },
  );
  return picked?.c;
}

function snapshotUri(store: Store, file: string, oid?: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: `/${file}`, query: new URLSearchParams({ store: store.dir, ...(oid ? { oid } : {}) }).toString() });
}

/**
 * Source Control and the workspace's stores: a store that Source Control would list as a second
 * repository (with "Publish Branch") is hidden by adding its folder to `git.ignoredRepositories` in
 * the workspace's settings, once the person agrees (shared/scmIgnore.ts says which entries; the
 * contributed default covers `.agentlog`). "Not now" is remembered for the workspace.
 */
import * as vscode from 'vscode';
import { missingIgnores } from '../shared/scmIgnore.js';

const DECLINED = 'agentlog.scmIgnore.declined';
let asking = false;

export async function offerScmIgnore(state: vscode.Memento, stores: string[]): Promise<void> {
  if (asking) return; // a rescan while the question is open asks nothing more
  asking = true;
  try {
    await offer(state, stores);
  } finally {
    asking = false;
  }
}

async function offer(state: vscode.Memento, stores: string[]): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const git = vscode.workspace.getConfiguration('git');
  const ignored = git.get<string[]>('ignoredRepositories') ?? [];
  const declined = state.get<string[]>(DECLINED) ?? [];
  const add = missingIgnores(stores, folders, ignored).filter((e) => !declined.includes(e));
  if (!add.length) return;
  const hide = 'Hide from Source Control';
  const answer = await vscode.window.showInformationMessage(
    `Source Control lists the agentlog store ${add.map((e) => `"${e}"`).join(', ')} as a repository. Hide it (git.ignoredRepositories in this workspace's settings)?`,
    hide,
    'Not now',
  );
  if (answer !== hide) {
    await state.update(DECLINED, [...declined, ...add]);
    return;
  }
  // The value in force (the workspace's, else the user's, else the contributed `.agentlog`) and ours:
  // a workspace value replaces the others, so they are carried over.
  await git.update('ignoredRepositories', [...ignored, ...add], vscode.ConfigurationTarget.Workspace);
}

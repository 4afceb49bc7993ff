/**
 * Source Control and the workspace's stores: a store that Source Control would list as a second
 * repository (with "Publish Branch") is hidden by adding its folder to `git.ignoredRepositories` in
 * the workspace's settings, once the person agrees (shared/scmIgnore.ts says which entries; the
 * contributed default covers `.agentlog`). "Not now" (or a dismissed notification) is remembered
 * for the workspace. VS Code's git extension reads that setting only when it opens a repository, so a
 * store it has already opened is closed in it too.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { missingIgnores } from '../shared/scmIgnore.js';

const DECLINED = 'agentlog.scmIgnore.declined';
const HIDE = 'Hide from Source Control';
let asking = false;

/** What the offers of this window did, for the extension's API (tests): checks made, questions asked. */
export interface ScmOffers {
  /** Looks at the stores that ended (whether they asked or not). */
  checks: number;
  /** The entries each question proposed, and the answer once given (undefined: Not now, dismissed). */
  asked: { entries: string[]; answer?: string; answered: boolean }[];
}
const offers: ScmOffers = { checks: 0, asked: [] };

export function scmOffers(): ScmOffers {
  return { checks: offers.checks, asked: offers.asked.map((a) => ({ ...a, entries: [...a.entries] })) };
}

export async function offerScmIgnore(state: vscode.Memento, stores: string[]): Promise<void> {
  if (asking) return; // a rescan while the question is open asks nothing more
  asking = true;
  try {
    await offer(state, stores);
  } finally {
    asking = false;
    offers.checks++;
  }
}

async function offer(state: vscode.Memento, stores: string[]): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const git = vscode.workspace.getConfiguration('git');
  const ignored = git.get<string[]>('ignoredRepositories') ?? [];
  const declined = state.get<string[]>(DECLINED) ?? [];
  const add = missingIgnores(stores, folders, ignored).filter((e) => !declined.includes(e));
  if (!add.length) return;
  const question: ScmOffers['asked'][number] = { entries: add, answered: false };
  offers.asked.push(question);
  const answer = await vscode.window.showInformationMessage(
    `Source Control lists the agentlog store ${add.map((e) => `"${e}"`).join(', ')} as a repository. Hide it (git.ignoredRepositories in this workspace's settings)?`,
    HIDE,
    'Not now',
  );
  Object.assign(question, { answer, answered: true });
  if (answer !== HIDE) {
    await state.update(DECLINED, [...declined, ...add]);
    return;
  }
  // The value in force (the workspace's, else the user's, else the contributed `.agentlog`) and ours:
  // a workspace value replaces the others, so they are carried over.
  await git.update('ignoredRepositories', [...ignored, ...add], vscode.ConfigurationTarget.Workspace);
  await closeInGit(stores.filter((s) => missingIgnores([s], folders, ignored).some((e) => add.includes(e))));
}

interface GitApi {
  repositories: { rootUri: vscode.Uri }[];
}

/**
 * Close the stores VS Code's git extension has open (it checks git.ignoredRepositories only when it
 * opens one). `git.close` takes the repository that holds a path, the deepest: it is called only for a
 * store that is itself an open repository, never with a path another repository would answer for.
 */
async function closeInGit(stores: string[]): Promise<void> {
  const ext = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
  if (!ext || !stores.length) return;
  try {
    const api = (ext.isActive ? ext.exports : await ext.activate()).getAPI(1);
    for (const store of stores) {
      const open = api.repositories.find((r) => path.resolve(r.rootUri.fsPath) === path.resolve(store));
      if (open) await vscode.commands.executeCommand('git.close', open.rootUri);
    }
  } catch {
    /* git disabled or missing: the setting alone hides the store at the next window load */
  }
}

import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store, storeAbove } from '../../../core/index.js';
import { storePath } from '../workspaceStores.js';
import { registerCommand, type CommandDeps } from './command.js';

/**
 * agentlog.initStore: make the store of a workspace folder (agentlog.storePath in it); idempotent. A
 * folder with a store above it (core's storeAbove, the CLI's rule) gets that store named, not a new one.
 */
export function registerInitStore(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.initStore', async (folderArg?: vscode.Uri) => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const folder =
      folderArg ??
      (folders.length === 1 ? folders[0].uri : (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to hold the agentlog store' }))?.uri);
    if (!folder) {
      vscode.window.showInformationMessage('agentlog: open a folder first.');
      return undefined;
    }
    // A store above the folder is this folder's store: never a second one below it.
    const above = storeAbove(folder.fsPath);
    if (above) {
      deps.stores.rescan();
      vscode.window.showInformationMessage(`agentlog: this folder already has a store: ${above}`);
      return above;
    }
    const dir = path.resolve(folder.fsPath, storePath());
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: init ${dir}` }, async () => Store.init(dir));
    deps.stores.rescan();
    vscode.window.showInformationMessage(
      `agentlog: ${r.created ? 'created' : 'already a store:'} ${dir}${r.excludedIn ? ` (excluded from the git repository at ${r.excludedIn})` : ''}`,
    );
    return dir;
  });
}

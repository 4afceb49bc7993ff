import * as path from 'node:path';
import * as vscode from 'vscode';
import { storeAbove } from '../../../core/index.js';
import { acceptCaptureOffer, captureOffer, findAgentlogCli } from '../captureOffer.js';
import { storePath } from '../workspaceStores.js';
import { registerCommand, type CommandDeps } from './command.js';

/**
 * agentlog.captureSessions: every Claude Code session of this workspace lands in its store as it is
 * written (`agentlog capture install claude --project`: hooks in the folder's .claude/settings.local.json).
 */
export function registerCaptureSessions(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.captureSessions', async (folderArg?: vscode.Uri) => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const folder =
      folderArg ??
      (folders.length === 1 ? folders[0].uri : (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder whose sessions to capture' }))?.uri);
    if (!folder) {
      vscode.window.showInformationMessage('agentlog: open a folder first.');
      return undefined;
    }
    const store = storeAbove(folder.fsPath) ?? path.resolve(folder.fsPath, storePath());
    const cli = findAgentlogCli(vscode.workspace.getConfiguration('agentlog').get<string>('cliPath') || undefined, process.env);
    if (!cli) throw new Error('capture needs the agentlog command (the hooks run it): install it on PATH, or set agentlog.cliPath');
    const offer = captureOffer(folder.fsPath, store, cli, process.env);
    if (offer.edit.text === undefined) {
      vscode.window.showInformationMessage(`agentlog: capture is already set up in ${offer.setup.file}`);
      return offer.setup.file;
    }
    const yes = 'Capture';
    const answer = await vscode.window.showInformationMessage(
      `agentlog: capture every Claude Code session of ${path.basename(folder.fsPath)} into ${store}? This adds hooks to ${offer.setup.file}.`,
      { modal: true, detail: offer.edit.changes.join('\n') },
      yes,
    );
    if (answer !== yes) return undefined;
    acceptCaptureOffer(offer);
    deps.out.appendLine(`capture: changed ${offer.setup.file}`);
    for (const c of offer.edit.changes) deps.out.appendLine(`  ${c}`);
    vscode.window.showInformationMessage(`agentlog: Claude Code sessions of this workspace now land in ${store} (Codex: agentlog capture install codex)`);
    return offer.setup.file;
  });
}

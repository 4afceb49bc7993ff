import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps } from './command.js';
import { pickStore } from './pick.js';
import { syncStore, type SyncArg } from './syncStore.js';

/** agentlog.pull: fetch a remote's timelines into the store, then redraw the view; returns the report. */
export function registerPull(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.pull', async (arg?: SyncArg) => {
    const dir = await pickStore(deps, arg);
    return dir && syncStore(dir, 'pull', arg?.remote, deps.out).finally(() => deps.view.refresh());
  });
}

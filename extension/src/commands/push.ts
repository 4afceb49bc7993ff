import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps } from './command.js';
import { pickStore } from './pick.js';
import { syncStore, type SyncArg } from './syncStore.js';

/** agentlog.push: send the store's timelines to a remote (a diverged one is kept as a fork); returns the report. */
export function registerPush(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.push', async (arg?: SyncArg) => {
    const dir = await pickStore(deps, arg);
    return dir && syncStore(dir, 'push', arg?.remote, deps.out);
  });
}

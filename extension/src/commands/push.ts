import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps } from './command.js';
import { pickStore } from './pick.js';
import { syncStore, type SyncArg } from './syncStore.js';

/**
 * agentlog.push: send the store's timelines to a remote (a diverged one is kept as a fork); returns the
 * report. Findings of the outgoing secrets scan are shown first, with Redact, Allow, Push Anyway (syncStore.ts).
 */
export function registerPush(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.push', async (arg?: SyncArg) => {
    const dir = await pickStore(deps, arg);
    return (
      dir &&
      syncStore(dir, 'push', arg?.remote, deps.out, {
        run: deps.run,
        answers: arg?.answers,
        redacted: (d) => {
          deps.view.refresh();
          deps.panels.refreshAll(d);
        },
      })
    );
  });
}

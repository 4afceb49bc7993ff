/** Push or pull a store's timelines, in-process with VS Code's progress UI (agentlog.push, agentlog.pull). */
import * as vscode from 'vscode';
import { listRemotes, pull, push, type SyncReport } from '../../../core/index.js';
import { openStore } from '../storeReader.js';
import type { StoreArg } from './command.js';

/** What push and pull take: the store, and the remote (default: the only one, or picked). */
export type SyncArg = (StoreArg & { remote?: string }) | undefined;

export async function syncStore(
  dir: string,
  direction: 'push' | 'pull',
  remoteName: string | undefined,
  out: vscode.OutputChannel,
): Promise<SyncReport | undefined> {
  const store = openStore(dir);
  const remotes = listRemotes(store.gitDir);
  if (!remotes.length) {
    vscode.window.showErrorMessage(`agentlog: ${dir} has no remote (add one with: agentlog remote add origin URL, or git remote add).`);
    return undefined;
  }
  const remote =
    remoteName ??
    (remotes.length === 1
      ? remotes[0].name
      : (
          await vscode.window.showQuickPick(
            remotes.map((r) => ({ label: r.name, description: r.url })),
            { title: `agentlog: ${direction}` },
          )
        )?.label);
  if (!remote) return undefined;
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: ${direction} ${remote}` }, (progress) => {
    const opts = { progress: (phase: string, loaded: number, total?: number) => progress.report({ message: `${phase} ${loaded}${total ? `/${total}` : ''}` }) };
    return direction === 'push' ? push(store, remote, [], opts) : pull(store, remote, opts);
  });
  out.appendLine(`${direction} ${report.remote} (${report.url})`);
  for (const t of report.timelines) out.appendLine(`  ${t.name}: ${t.status}${t.fork ? ` (kept as fork ${t.fork})` : ''}${t.reason ? ` — ${t.reason}` : ''}`);
  const rejected = report.timelines.filter((t) => t.status === 'rejected');
  if (rejected.length) vscode.window.showErrorMessage(`agentlog: ${direction}: ${rejected.length} timeline(s) rejected; see the agentlog output.`);
  else vscode.window.showInformationMessage(`agentlog: ${direction} ${remote}: ${report.timelines.length} timeline(s) in sync`);
  return report;
}

/**
 * Push or pull a store's timelines with VS Code's progress UI (agentlog.push, agentlog.pull). A pull
 * runs in-process; a push runs in the worker (its outgoing secrets scan can take seconds), and when
 * that scan finds something the push is refused before anything is sent: a warning lists the
 * timelines and findings (masked) and offers Redact, Allow, Push Anyway or cancel (pushWarning.ts).
 */
import * as vscode from 'vscode';
import { listRemotes, pull, type SyncReport } from '../../../core/index.js';
import { openStore } from '../storeReader.js';
import type { JobRunner } from '../workerClient.js';
import type { StoreArg } from './command.js';
import { pushWithWarning } from './pushWarning.js';

/**
 * What push and pull take: the store, and the remote (default: the only one, or picked). `answers`
 * pre-answers push's warning ('Redact', 'Allow', 'Push Anyway'; none of them: cancel), for scripts and tests.
 */
export type SyncArg = (StoreArg & { remote?: string; answers?: string[] }) | undefined;

export async function syncStore(
  dir: string,
  direction: 'push' | 'pull',
  remoteName: string | undefined,
  out: vscode.OutputChannel,
  push?: { run: JobRunner; answers?: string[]; redacted?: (dir: string) => void },
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
  const report =
    direction === 'push'
      ? await pushWithWarning(dir, remote, out, push!)
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: ${direction} ${remote}` }, (progress) => {
          const opts = {
            progress: (phase: string, loaded: number, total?: number) => progress.report({ message: `${phase} ${loaded}${total ? `/${total}` : ''}` }),
          };
          return pull(store, remote, opts);
        });
  if (!report) return undefined;
  out.appendLine(`${direction} ${report.remote} (${report.url})`);
  for (const t of report.timelines) out.appendLine(`  ${t.name}: ${t.status}${t.fork ? ` (kept as fork ${t.fork})` : ''}${t.reason ? ` — ${t.reason}` : ''}`);
  const rejected = report.timelines.filter((t) => t.status === 'rejected');
  if (rejected.length) vscode.window.showErrorMessage(`agentlog: ${direction}: ${rejected.length} timeline(s) rejected; see the agentlog output.`);
  else vscode.window.showInformationMessage(`agentlog: ${direction} ${remote}: ${report.timelines.length} timeline(s) in sync`);
  return report;
}

/**
 * The CLI's store work, in-process with VS Code's progress UI: verify, import Claude Code / Codex
 * sessions, push and pull. Each is a call into core/; results go to the "agentlog" output channel.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { defaultSessionFiles, importFiles, type ImportFormat as Format, type ImportSummary, listRemotes, pull, push, type SyncReport, type VerifyResult } from '../../core/index.js';
import { openStore } from './storeReader.js';

export async function verifyStore(dir: string, out: vscode.OutputChannel, extensionPath: string): Promise<VerifyResult[]> {
  const total = openStore(dir).timelines().size;
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `agentlog: verifying ${dir}`, cancellable: true },
    (progress, token) =>
      new Promise<VerifyResult[]>((resolve, reject) => {
        const results: VerifyResult[] = [];
        const worker = new Worker(path.join(extensionPath, 'dist', 'verifyWorker.js'), { workerData: { dir } });
        token.onCancellationRequested(() => {
          void worker.terminate();
          reject(new Error('verify cancelled'));
        });
        worker.on('message', (m: { type: 'result'; result: VerifyResult } | { type: 'done' }) => {
          if (m.type === 'done') return resolve(results);
          results.push(m.result);
          progress.report({ message: m.result.timeline, increment: 100 / Math.max(1, total) });
        });
        worker.on('error', reject);
        worker.on('exit', (code) => code !== 0 && reject(new Error(`the verify worker stopped (exit ${code})`)));
      }),
  );
  out.appendLine(`verify ${dir}`);
  for (const r of results) {
    out.appendLine(r.problem ? `  ✗ ${r.timeline}: ${r.problem.message} (seq ${r.problem.seq}, commit ${r.problem.commit})` : `  ✓ ${r.timeline}: ${r.events} events`);
  }
  const bad = results.filter((r) => r.problem);
  if (bad.length) {
    out.show(true);
    vscode.window.showErrorMessage(`agentlog: ${bad.length} of ${results.length} timelines failed verification: ${bad.map((b) => b.timeline).join(', ')}`);
  } else vscode.window.showInformationMessage(`agentlog: ${results.length} timelines verified, ${results.reduce((n, r) => n + r.events, 0)} events`);
  return results;
}

export async function importSessions(dir: string, format: Format, within: string | undefined, out: vscode.OutputChannel, files?: string[]): Promise<ImportSummary> {
  const list = files ?? defaultSessionFiles(format, process.env, within);
  const label = format === 'claude' ? 'Claude Code' : 'Codex';
  if (!list.length) {
    vscode.window.showInformationMessage(`agentlog: no ${label} sessions found${within ? ` for ${within}` : ''}.`);
    return { sessions: 0, timelines: { created: 0, extended: 0, unchanged: 0, diverged: 0, names: [] }, events: { appended: 0, present: 0 }, warnings: [] };
  }
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `agentlog: importing ${list.length} ${label} session file(s)` },
    async (progress) => {
      let n = 0;
      return importFiles(openStore(dir), format, list, {
        progress: (k) => {
          n += k;
          progress.report({ message: `${n} events` });
        },
      });
    },
  );
  out.appendLine(`import ${format} → ${dir}: ${summary.sessions} sessions, ${summary.timelines.created} new timelines, ${summary.timelines.extended} extended, ${summary.events.appended} events appended`);
  for (const w of summary.warnings) out.appendLine(`  warning: ${JSON.stringify(w)}`);
  vscode.window.showInformationMessage(
    `agentlog: imported ${summary.sessions} ${label} session(s): ${summary.timelines.created} new, ${summary.timelines.extended} extended, ${summary.events.appended} events${summary.warnings.length ? ` (${summary.warnings.length} warnings in the output)` : ''}`,
  );
  return summary;
}

export async function syncStore(dir: string, direction: 'push' | 'pull', remoteName: string | undefined, out: vscode.OutputChannel): Promise<SyncReport | undefined> {
  const store = openStore(dir);
  const remotes = listRemotes(store.gitDir);
  if (!remotes.length) {
    vscode.window.showErrorMessage(`agentlog: ${dir} has no remote (add one with: agentlog remote add origin URL, or git remote add).`);
    return undefined;
  }
  const remote =
    remoteName ??
    (remotes.length === 1 ? remotes[0].name : (await vscode.window.showQuickPick(remotes.map((r) => ({ label: r.name, description: r.url })), { title: `agentlog: ${direction}` }))?.label);
  if (!remote) return undefined;
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `agentlog: ${direction} ${remote}` },
    (progress) => {
      const opts = { progress: (phase: string, loaded: number, total?: number) => progress.report({ message: `${phase} ${loaded}${total ? `/${total}` : ''}` }) };
      return direction === 'push' ? push(store, remote, [], opts) : pull(store, remote, opts);
    },
  );
  out.appendLine(`${direction} ${report.remote} (${report.url})`);
  for (const t of report.timelines) out.appendLine(`  ${t.name}: ${t.status}${t.fork ? ` (kept as fork ${t.fork})` : ''}${t.reason ? ` — ${t.reason}` : ''}`);
  const rejected = report.timelines.filter((t) => t.status === 'rejected');
  if (rejected.length) vscode.window.showErrorMessage(`agentlog: ${direction}: ${rejected.length} timeline(s) rejected; see the agentlog output.`);
  else vscode.window.showInformationMessage(`agentlog: ${direction} ${remote}: ${report.timelines.length} timeline(s) in sync`);
  return report;
}

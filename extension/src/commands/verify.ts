import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { VerifyResult } from '../../../core/index.js';
import { openStore } from '../storeReader.js';
import { registerCommand, type CommandDeps, type StoreArg } from './command.js';
import { pickStore } from './pick.js';

/** agentlog.verify: every timeline of a store verified off the host's thread; returns the results. */
export function registerVerify(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.verify', async (arg?: StoreArg) => {
    const dir = await pickStore(deps, arg);
    return dir && verifyStore(dir, deps.out, deps.context.extensionPath);
  });
}

/** Verify in dist/verifyWorker.js (a 10,000-event timeline takes seconds), with progress and cancel. */
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
    out.appendLine(
      r.problem ? `  ✗ ${r.timeline}: ${r.problem.message} (seq ${r.problem.seq}, commit ${r.problem.commit})` : `  ✓ ${r.timeline}: ${r.events} events`,
    );
  }
  const bad = results.filter((r) => r.problem);
  if (bad.length) {
    out.show(true);
    vscode.window.showErrorMessage(`agentlog: ${bad.length} of ${results.length} timelines failed verification: ${bad.map((b) => b.timeline).join(', ')}`);
  } else vscode.window.showInformationMessage(`agentlog: ${results.length} timelines verified, ${results.reduce((n, r) => n + r.events, 0)} events`);
  return results;
}

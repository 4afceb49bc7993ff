/**
 * A push from VS Code, run in the worker: when its outgoing secrets scan (core's scanOutgoing, only
 * what the remote lacks) refuses it with E_SECRET, nothing has been sent; a modal warning lists each
 * timeline and its findings (masked) and offers Redact (each listed timeline rewritten with every
 * finding replaced; the originals stay on this machine under refs/agentlog/unredacted/), Allow (the
 * listed findings go on the store's allow list), Push Anyway (this once), or cancel. After Redact or
 * Allow the push is tried again (and warns again if something is still found).
 */
import * as vscode from 'vscode';
import type { SyncReport } from '../../../core/index.js';
import { pushWarning } from '../../shared/insights.js';
import { ask } from '../ask.js';
import { JobError, type JobRunner } from '../workerClient.js';
import { allowFindings, refusedTimelines } from '../secretsActions.js';

export const PUSH_CHOICES = ['Redact', 'Allow', 'Push Anyway'] as const;

export async function pushWithWarning(
  dir: string,
  remote: string,
  out: vscode.OutputChannel,
  opts: { run: JobRunner; answers?: string[]; redacted?: (dir: string) => void },
): Promise<SyncReport | undefined> {
  let allowSecrets = false;
  const answers = opts.answers ? [...opts.answers] : undefined;
  for (let round = 0; round < 4; round++) {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `agentlog: push ${remote}${allowSecrets ? ' (secrets allowed this once)' : ''}` },
        (progress) =>
          opts.run('push', { dir, remote, allowSecrets }, (p) => {
            if (p.kind === 'sync') progress.report({ message: `${p.phase} ${p.loaded}${p.total ? `/${p.total}` : ''}` });
          }),
      );
    } catch (e) {
      if (!(e instanceof JobError) || e.code !== 'E_SECRET') throw e;
      const dirty = refusedTimelines(e);
      const w = pushWarning(dirty, remote);
      out.appendLine(`push ${remote}: refused before sending, ${w.message}`);
      for (const line of w.detail.split('\n')) out.appendLine(`  ${line}`);
      const choice = await ask(w.message, w.detail, PUSH_CHOICES, answers);
      if (choice === 'Push Anyway') allowSecrets = true;
      else if (choice === 'Allow') {
        await allowFindings(
          dir,
          dirty.flatMap((d) => d.findings.map((f) => f.fingerprint)),
          Date.now(),
        );
      } else if (choice === 'Redact') {
        const rewritten = new Set<string>();
        for (const d of dirty) {
          if (rewritten.has(d.timeline)) continue; // a fork rewritten with the timeline it shares the findings with
          const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: redacting ${d.timeline}` }, () =>
            opts.run('redact', { dir, timeline: d.timeline, selection: { all: true } }),
          );
          for (const r of done) rewritten.add(r.timeline);
          for (const r of done)
            out.appendLine(`  redacted ${r.timeline}: ${r.rewritten} event(s) rewritten from #${r.from}; the original is kept as ${r.kept} (local only)`);
        }
        opts.redacted?.(dir);
      } else {
        vscode.window.showInformationMessage('agentlog: push cancelled; nothing was sent');
        return undefined;
      }
    }
  }
  throw new Error('push: the outgoing scan still finds secrets after redacting or allowing; see the agentlog output');
}

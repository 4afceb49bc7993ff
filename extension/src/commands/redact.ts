import * as vscode from 'vscode';
import { type Redacted, UNREDACTED_PREFIX } from '../../../core/index.js';
import { type FindingVM, findingVM, redactQuestion } from '../../shared/insights.js';
import { ask } from '../ask.js';
import { openStore } from '../storeReader.js';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** What to redact: one finding (its fingerprint), every finding of a rule, or all (the default). */
export type RedactSelection = { finding?: string; rule?: string; all?: boolean };

/**
 * agentlog.redact(timeline, selection?, answers?, known?): rewrite the timeline with the selected
 * secrets replaced by [redacted:RULE], after a modal question naming what is rewritten and where the
 * original stays (`answers` pre-answers it, 'Redact', for scripts and tests; `known`: the findings a
 * panel shows, else the timeline is scanned first). The scan and the rewrite run in the worker.
 * Returns what was rewritten (core's Redacted list), or undefined when nothing was.
 */
export function registerRedact(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.redact', async (arg: TimelineArg, selection?: RedactSelection, answers?: string[], known?: FindingVM[]) => {
    const t = await pickTimeline(deps, arg);
    if (!t) return undefined;
    const sel: RedactSelection = selection?.finding || selection?.rule ? selection : { all: true };
    const store = openStore(t.store);
    const tip = store.tipOf(t.timeline);
    if (!tip) throw new Error(`no timeline named ${t.timeline}`);
    const all =
      known ??
      (
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `agentlog: scanning ${t.timeline} for secrets` }, () =>
          deps.run('scan', { dir: t.store, timeline: t.timeline, tip }),
        )
      ).findings.map(findingVM);
    const chosen = all.filter((f) => (sel.finding ? f.fingerprint === sel.finding : sel.rule ? f.rule === sel.rule : true));
    if (!chosen.length) {
      vscode.window.showInformationMessage(`agentlog: nothing to redact in ${t.timeline} for that selection`);
      return undefined;
    }
    const q = redactQuestion(t.timeline, chosen, store.commitInfo(tip).seq, UNREDACTED_PREFIX);
    if ((await ask(q.message, q.detail, ['Redact'], answers ? [...answers] : undefined)) !== 'Redact') return undefined;
    const done = await redactWith(deps, t.store, t.timeline, sel);
    return done;
  });
}

/** Redact in the worker, then say what was done and show the rewritten timelines. */
export async function redactWith(deps: CommandDeps, dir: string, timeline: string, selection: RedactSelection): Promise<Redacted[]> {
  const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: redacting ${timeline}` }, () =>
    deps.run('redact', { dir, timeline, selection }),
  );
  deps.out.appendLine(`redact ${timeline} (${dir})`);
  for (const r of done) {
    deps.out.appendLine(
      `  ${r.timeline}: ${r.findings.length} finding(s) replaced, ${r.rewritten} event(s) rewritten from #${r.from}; the original is kept as ${r.kept} (local only)`,
    );
  }
  deps.view.refresh();
  deps.panels.refreshAll(dir);
  const n = done.reduce((k, r) => k + r.findings.length, 0);
  vscode.window.showInformationMessage(
    `agentlog: redacted ${n} finding(s) in ${done.map((r) => r.timeline).join(', ')}; the original${done.length > 1 ? 's stay' : ' stays'} under ${UNREDACTED_PREFIX} on this machine only`,
  );
  return done;
}

/** Which store or timeline a command works on: the one it was given, the only one, or one the user picks. */
import * as vscode from 'vscode';
import type { CommandDeps, StoreArg, TimelineArg } from './command.js';

/** The store a command works on: the tree item's, the only one, or picked. */
export async function pickStore(deps: CommandDeps, arg?: StoreArg): Promise<string | undefined> {
  const given = arg?.dir ?? arg?.store;
  if (given) return given;
  const dirs = deps.stores.dirs();
  if (dirs.length <= 1) {
    if (!dirs.length) vscode.window.showInformationMessage('agentlog: no store in this workspace (run "agentlog: Init Store").');
    return dirs[0];
  }
  return (await vscode.window.showQuickPick(dirs, { title: 'agentlog: which store?' })) ?? undefined;
}

/** The timeline a command works on: the tree item's, the one named, or picked among the workspace's sessions. */
export async function pickTimeline(deps: CommandDeps, arg: TimelineArg): Promise<{ store: string; timeline: string } | undefined> {
  if (arg && 'kind' in arg && arg.kind === 'timeline') return { store: arg.dir, timeline: arg.name };
  if (arg && !('kind' in arg)) {
    const store = arg.store ?? arg.dir;
    const timeline = arg.timeline ?? arg.name;
    if (store && timeline) return { store, timeline };
  }
  const picks = deps.view.facts.flatMap((s) =>
    s.timelines.map((t) => ({ label: t.title || t.name, description: `${t.name} · ${t.tipSeq + 1} events`, detail: s.dir, store: s.dir, timeline: t.name })),
  );
  if (!picks.length) {
    vscode.window.showInformationMessage('agentlog: no sessions in this workspace (run "agentlog: Init Store" to make a store).');
    return undefined;
  }
  const p = await vscode.window.showQuickPick(picks, { title: 'agentlog: Open Session', matchOnDescription: true });
  return p && { store: p.store, timeline: p.timeline };
}

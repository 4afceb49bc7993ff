/** Which store or timeline a command works on: the one it was given, the only one, or one the user picks. */
import * as vscode from 'vscode';
import { resolveInStores } from '../storeReader.js';
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

/** A timeline, and the event a typed revision named in it (seq; absent: the newest). */
export interface Picked {
  store: string;
  timeline: string;
  seq?: number;
}

/**
 * The timeline a command works on: the tree item's, the one named, a revision given as a string
 * (`fix-lo~2`, `claude/8c21@3`, a short id, `@{-1}`: core's resolver), or picked among the workspace's
 * sessions, where typing a revision offers it as the first choice.
 */
export async function pickTimeline(deps: CommandDeps, arg: TimelineArg): Promise<Picked | undefined> {
  if (typeof arg === 'string') return revision(deps, arg);
  if (arg && 'kind' in arg && arg.kind === 'timeline') return { store: arg.dir, timeline: arg.name };
  if (arg && !('kind' in arg)) {
    const store = arg.store ?? arg.dir;
    const timeline = arg.timeline ?? arg.name;
    if (store && timeline) return { store, timeline };
  }
  const picks: (vscode.QuickPickItem & { store?: string; timeline?: string })[] = deps.view.facts.flatMap((s) =>
    s.timelines.map((t) => ({ label: t.title || t.name, description: `${t.name} · ${t.tipSeq + 1} events`, detail: s.dir, store: s.dir, timeline: t.name })),
  );
  if (!picks.length) {
    vscode.window.showInformationMessage('agentlog: no sessions in this workspace (run "agentlog: Init Store" to make a store).');
    return undefined;
  }
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { store?: string; timeline?: string }>();
  qp.title = 'agentlog: Open Session';
  qp.placeholder = 'a session, or a revision: a name prefix, NAME@N, NAME~N, a short id, @{-1}';
  qp.matchOnDescription = true;
  qp.items = picks;
  qp.onDidChangeValue((value) => {
    const typed = value.trim();
    const asRev = typed
      ? [{ label: `Open ${JSON.stringify(typed)} as a revision`, description: 'NAME, prefix, NAME@N, NAME~N, short id, @{-1}', alwaysShow: true }]
      : [];
    qp.items = [...asRev, ...picks];
  });
  const chosen = await new Promise<(vscode.QuickPickItem & { store?: string; timeline?: string }) | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  const typed = qp.value.trim();
  qp.dispose();
  if (!chosen) return undefined;
  if (chosen.store && chosen.timeline) return { store: chosen.store, timeline: chosen.timeline };
  return revision(deps, typed);
}

/** A revision typed or given: where it leads, or an error message and nothing. */
async function revision(deps: CommandDeps, rev: string): Promise<Picked | undefined> {
  const { hits, error } = resolveInStores(deps.stores.dirs(), rev);
  if (!hits.length) {
    vscode.window.showErrorMessage(`agentlog: ${error}`);
    return undefined;
  }
  if (hits.length === 1) return hits[0];
  const p = await vscode.window.showQuickPick(
    hits.map((h) => ({ label: `${h.timeline}@${h.seq}`, description: h.store, hit: h })),
    { title: `agentlog: ${rev} names an event in ${hits.length} stores` },
  );
  return p?.hit;
}

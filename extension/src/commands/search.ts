import * as vscode from 'vscode';
import type { SearchHit } from '../../../core/index.js';
import { hitItem } from '../../shared/insights.js';
import { registerCommand, type CommandDeps } from './command.js';

/** A hit and the store it is in. */
export type StoreHit = SearchHit & { store: string };

/**
 * agentlog.search(query?, how?): words looked for across every timeline of the workspace's stores
 * (core/search: the index brought up to date first, in the worker, with progress), the hits in a
 * quick pick (timeline and seq, kind, when, short id; the snippet below), best first; the one chosen
 * opens in its session panel at that event (agentlog.openSession with its seq). `how.store`: one store
 * only; `how.pick`: choose the hit at that index without asking (scripts and tests). Returns the hits
 * and the one opened.
 */
export function registerSearch(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.search', async (query?: string, how?: { store?: string; pick?: number }) => {
    const typed =
      typeof query === 'string'
        ? query
        : await vscode.window.showInputBox({
            title: 'agentlog: Search Sessions',
            prompt: 'Words in what was said, thought, run or answered, or a path a tool touched; "a phrase" in quotes',
            placeHolder: 'migration "permission denied"',
          });
    if (!typed?.trim()) return undefined;
    const dirs = how?.store ? [how.store] : deps.stores.dirs();
    if (!dirs.length) {
      vscode.window.showInformationMessage('agentlog: no store in this workspace to search (run "agentlog: Init Store").');
      return undefined;
    }
    const hits: StoreHit[] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `agentlog: searching for ${typed}` },
      async (progress) => {
        const all: StoreHit[] = [];
        for (const dir of dirs) {
          const r = await deps.run('search', { dir, query: typed, limit: 50 }, (p) => {
            if (p.kind === 'index' && p.progress.totalTimelines > 0)
              progress.report({ message: `indexing ${p.progress.timelines}/${p.progress.totalTimelines} timelines` });
          });
          all.push(...r.hits.map((h) => ({ ...h, store: dir })));
        }
        return all.sort((a, b) => b.score - a.score || b.ts - a.ts).slice(0, 50);
      },
    );
    if (!hits.length) {
      vscode.window.showInformationMessage(`agentlog: no event holds ${typed}`);
      return { hits, opened: undefined };
    }
    const now = Date.now();
    const chosen =
      how?.pick !== undefined
        ? hits[how.pick]
        : (
            await vscode.window.showQuickPick(
              hits.map((h) => ({ ...hitItem(h, now), hit: h })),
              { title: `agentlog: ${hits.length} event(s) hold ${typed}`, matchOnDescription: true, matchOnDetail: true },
            )
          )?.hit;
    if (!chosen) return { hits, opened: undefined };
    await vscode.commands.executeCommand('agentlog.openSession', { store: chosen.store, timeline: chosen.timeline }, { seq: chosen.seq });
    return { hits, opened: { store: chosen.store, timeline: chosen.timeline, seq: chosen.seq } };
  });
}

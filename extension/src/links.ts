/**
 * Links to an event: vscode://agentlog.agentlog-vscode/open?timeline=…&cid=… ("Copy link" in a panel
 * copies one), and the handler VS Code calls when one is opened. A link names the event by its CID and
 * its timeline, never by a path on this machine: a teammate with a clone of the same store (or this
 * machine after a move) opens the same event. The handler looks for the timeline in the workspace's
 * stores; a link of older versions that names a `store` path is still honoured when that path is one
 * of them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openStore } from './storeReader.js';

const EXTENSION_ID = 'agentlog.agentlog-vscode';

/** The scheme a link uses: this VS Code's, but a build without its own (code-oss, the web) gives the desktop's `vscode`. */
function scheme(): string {
  const s = vscode.env.uriScheme;
  return s && s !== 'code-oss' ? s : 'vscode';
}

export function linkFor(_store: string, timeline: string, cid: string): string {
  return `${scheme()}://${EXTENSION_ID}/open?${new URLSearchParams({ timeline, cid }).toString()}`;
}

/** Which of `dirs` holds `timeline` (the first; a named `store` only when it is one of them). */
export function storeForLink(dirs: string[], timeline: string, store?: string | null): string | undefined {
  if (store) return dirs.find((d) => path.resolve(d) === path.resolve(store));
  return dirs.find((d) => {
    try {
      return openStore(d).tipOf(timeline) !== undefined;
    } catch {
      return false;
    }
  });
}

/** Opens a link's event with `open` in the workspace store that holds its timeline. */
export function linkHandler(storeDirs: () => string[], open: (store: string, timeline: string, cid: string | undefined) => void): vscode.UriHandler {
  return {
    handleUri(uri: vscode.Uri) {
      const q = new URLSearchParams(uri.query);
      const timeline = q.get('timeline');
      if (uri.path !== '/open' || !timeline) {
        vscode.window.showErrorMessage(`agentlog: cannot open ${uri.toString()}: a link names a timeline and an event (timeline=…&cid=…)`);
        return;
      }
      // A link can come from anywhere (a web page): open only the stores of this workspace.
      const store = storeForLink(storeDirs(), timeline, q.get('store'));
      if (!store) {
        vscode.window.showErrorMessage(
          q.get('store')
            ? `agentlog: the link names a store that is not one of this workspace's (${q.get('store')}); open its folder first`
            : `agentlog: no store of this workspace has the timeline ${timeline}; pull it (agentlog pull) or open the folder of a store that has it`,
        );
        return;
      }
      open(store, timeline, q.get('cid') ?? undefined);
    },
  };
}

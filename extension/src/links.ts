/**
 * Links to an event: vscode://agentlog.agentlog-vscode/open?store=…&timeline=…&cid=… ("Copy link" in
 * a panel copies one), and the handler VS Code calls when one is opened.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'agentlog.agentlog-vscode';

export function linkFor(store: string, timeline: string, cid: string): string {
  return `${vscode.env.uriScheme}://${EXTENSION_ID}/open?${new URLSearchParams({ store, timeline, cid }).toString()}`;
}

/** Opens a link's event with `open`, if the link names one of `storeDirs()`. */
export function linkHandler(storeDirs: () => string[], open: (store: string, timeline: string, cid: string | undefined) => void): vscode.UriHandler {
  return {
    handleUri(uri: vscode.Uri) {
      const q = new URLSearchParams(uri.query);
      const store = q.get('store');
      const timeline = q.get('timeline');
      if (uri.path !== '/open' || !store || !timeline) {
        vscode.window.showErrorMessage(`agentlog: cannot open ${uri.toString()}`);
        return;
      }
      // A link can come from anywhere (a web page): open only the stores of this workspace.
      if (!storeDirs().some((d) => path.resolve(d) === path.resolve(store))) {
        vscode.window.showErrorMessage(`agentlog: the link names a store that is not one of this workspace's (${store}); open its folder first`);
        return;
      }
      open(store, timeline, q.get('cid') ?? undefined);
    },
  };
}

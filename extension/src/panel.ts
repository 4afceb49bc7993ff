/** Session panels: one webview per timeline, restored after a reload, wired to a PanelController. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { panelHtml } from '../shared/html.js';
import { isWebviewMessage, type HostMessage, type PanelState } from '../shared/protocol.js';
import { PanelController, type PanelHost } from './panelController.js';
import { openEventDiff, openEventDocument } from './documents.js';
import { openStore } from './storeReader.js';
import { workspaceAction } from './workspaceActions.js';
import { PanelInsights } from './panelInsights.js';
import type { JobRunner } from './workerClient.js';
import type { AgentModel } from './panelController.js';
import type { Approve } from '../../core/index.js';

export const VIEW_TYPE = 'agentlog.session';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  linkFor(store: string, timeline: string, cid: string): string;
  model(): Promise<AgentModel | { error: string }>;
  modelLabel(): string;
  approvePolicy(): Approve;
  /** The worker's jobs: each panel's secrets scan and stats run there (panelInsights.ts). */
  run: JobRunner;
}

export class SessionPanels implements vscode.Disposable {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; controller: PanelController; insights?: PanelInsights }>();
  /** The panel a single click opened, replaced by the next one unless kept; when it was opened. */
  private preview: { key: string; at: number } | undefined;

  /** Which panel is the preview one (for tests): its store and timeline. */
  previewOf(): string | undefined {
    return this.preview?.key.split('\0')[1];
  }

  constructor(private readonly deps: PanelDeps) {}

  private key(store: string, timeline: string): string {
    return `${store}\0${timeline}`;
  }

  /**
   * Open the panel of a timeline (or reveal it), optionally at an event seq or CID. `preview` (a
   * single click in the Sessions view) works as VS Code's preview editors do: the focus stays where
   * it is, and the next preview replaces this panel unless it was kept — by a second click on the
   * same session (a double click), or by opening it any other way.
   */
  show(store: string, timeline: string, at?: { seq?: number | null; cid?: string }, how: { preview?: boolean } = {}): PanelController {
    const key = this.key(store, timeline);
    const existing = this.panels.get(key);
    if (existing) {
      if (this.preview?.key === key && (!how.preview || Date.now() - this.preview.at < DOUBLE_CLICK_MS)) this.preview = undefined;
      existing.panel.reveal(undefined, how.preview === true);
      if (at?.cid) revealOrSay(existing.controller, at.cid);
      else if (at && at.seq !== undefined) existing.controller.travel(at.seq);
      return existing.controller;
    }
    if (how.preview && this.preview) {
      const old = this.panels.get(this.preview.key);
      this.preview = undefined;
      old?.panel.dispose();
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      shortTitle(timeline),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: how.preview === true },
      this.options(),
    );
    if (how.preview) this.preview = { key, at: Date.now() };
    const c = this.attach(panel, { store, timeline, seq: at?.seq ?? null });
    if (at?.cid) c.revealWhenReady = at.cid;
    return c.controller;
  }

  /** VS Code restores a panel after a reload. */
  async revive(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = state as Partial<PanelState> | undefined;
    if (!s || typeof s.store !== 'string' || typeof s.timeline !== 'string') {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, { store: s.store, timeline: s.timeline, seq: typeof s.seq === 'number' ? s.seq : null });
  }

  all(): PanelController[] {
    return [...this.panels.values()].map((p) => p.controller);
  }

  refreshAll(storeDir?: string): void {
    for (const { panel, controller, insights } of this.panels.values()) {
      if (storeDir && controller.store.dir !== storeDir) continue;
      controller.refresh();
      // A panel in a background tab catches up when it is shown again (onDidChangeViewState).
      if (panel.visible) void insights?.update();
    }
  }

  /** The store's allow list changed: its panels scan for secrets again. */
  rescanAll(storeDir: string): void {
    for (const { panel, controller, insights } of this.panels.values()) {
      if (controller.store.dir === storeDir) {
        if (panel.visible) void insights?.rescan();
        else insights?.forget();
      }
    }
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(panel: vscode.WebviewPanel, state: PanelState): { controller: PanelController; revealWhenReady?: string } {
    const disposables: vscode.Disposable[] = [];
    let disposed = false;
    let key = this.key(state.store, state.timeline);
    const holder: { controller: PanelController; revealWhenReady?: string } = {} as never;
    const host: PanelHost = {
      // A run outlives its panel by a step after a close: what it posts then goes nowhere (a disposed webview throws).
      post: (m: HostMessage) => {
        if (!disposed) void panel.webview.postMessage(m);
      },
      copy: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      linkFor: this.deps.linkFor,
      askForkName: (suggestion) =>
        Promise.resolve(
          vscode.window.showInputBox({
            title: 'agentlog: Fork here',
            prompt: 'Name of the new timeline (a git branch in the store)',
            value: suggestion,
            validateInput: (v) => (/^[A-Za-z0-9._/-]+$/.test(v) && !v.includes('..') ? undefined : 'Use letters, digits, . _ - /'),
          }),
        ),
      openTimeline: (store, timeline, seq) => {
        vscode.commands.executeCommand('agentlog.refresh');
        this.show(store, timeline, { seq });
      },
      model: this.deps.model,
      modelLabel: this.deps.modelLabel,
      approvePolicy: this.deps.approvePolicy,
      workspaceFolder: () => {
        const folders = vscode.workspace.workspaceFolders ?? [];
        return (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(holder.controller.store.dir)) ?? folders[0])?.uri.fsPath;
      },
      // AGENTLOG_RETRY_MS, as for the CLI: the base of the retry backoff (tests set it small).
      retryDelayMs: retryBase() === undefined ? undefined : (n) => retryBase()! * 2 ** n,
      setTitle: (title) => {
        if (disposed) return;
        panel.title = shortTitle(title || holder.controller?.name || '');
        const newKey = this.key(holder.controller.store.dir, holder.controller.name);
        if (newKey !== key && this.panels.get(key)?.panel === panel) {
          this.panels.delete(key);
          key = newKey;
          this.panels.set(key, { panel, controller: holder.controller, insights });
        }
      },
      info: (message) => void vscode.window.setStatusBarMessage(`agentlog: ${message}`, 3000),
      warn: (message) => void vscode.window.showWarningMessage(`agentlog: ${message}`),
      openDocument: (ref) => openEventDocument(ref),
      openDiff: (before, after, title) => openEventDiff(before, after, title),
      openFile: async (file) => {
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
      },
      workspaceAction: (store, timeline, action, seq) => Promise.resolve(workspaceAction(store, timeline, action, seq)),
    };
    holder.controller = new PanelController(openStore(state.store), state.timeline, host, state.seq);
    const insights = new PanelInsights(holder.controller.store, () => holder.controller.name, host.post, this.deps.run, {
      redact: (store, timeline, finding, known) =>
        Promise.resolve(vscode.commands.executeCommand('agentlog.redact', { store, timeline }, { finding }, undefined, known)),
      allow: (store, finding) => Promise.resolve(vscode.commands.executeCommand('agentlog.allowFinding', { store }, finding)),
      warn: (message) => void vscode.window.showWarningMessage(`agentlog: the secrets scan or stats of ${message}`),
    });
    this.panels.set(key, { panel, controller: holder.controller, insights });
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html(panel.webview, state.timeline);
    disposables.push(
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        if (!isWebviewMessage(m)) return;
        try {
          if (m.type === 'redact' || m.type === 'allow') return await insights.onMessage(m);
          await holder.controller.onMessage(m);
          // After the first page: the secrets scan and the stats, off the host's thread.
          if (m.type === 'ready') void insights.ready();
          if (m.type === 'ready' && holder.revealWhenReady) {
            revealOrSay(holder.controller, holder.revealWhenReady);
            holder.revealWhenReady = undefined;
          }
        } catch (e) {
          vscode.window.showErrorMessage(`agentlog: ${(e as Error).message}`);
        }
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible) void insights.update();
      }),
      panel.onDidDispose(() => {
        disposed = true;
        // Closing the panel stops its run after the current step (a language-model call under way is cancelled).
        holder.controller.dispose();
        insights.dispose();
        if (this.panels.get(key)?.panel === panel) this.panels.delete(key);
        if (this.preview?.key === key) this.preview = undefined;
        for (const d of disposables) d.dispose();
      }),
    );
    return holder;
  }

  private html(webview: vscode.Webview, title: string): string {
    const root = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview');
    return panelHtml({
      nonce: randomBytes(18).toString('base64'),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.css')).toString(),
      title,
    });
  }

  dispose(): void {
    for (const { panel } of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}

/** Show the event with this CID, or say it is not in the timeline (not pulled yet, or another timeline's). */
function revealOrSay(c: PanelController, cid: string): void {
  if (!c.reveal(cid)) void vscode.window.showWarningMessage(`agentlog: the event ${cid} is not in ${c.name} here (pull the store to get it?)`);
}

/** Two opens of one session this close together are a double click: its preview panel is kept. */
const DOUBLE_CLICK_MS = 600;

/** A tab's title: the session's title, short (the whole is in the panel's header). */
export function shortTitle(title: string): string {
  const line = title.replace(/\s+/g, ' ').trim();
  return line.length > 28 ? `${line.slice(0, 27)}…` : line;
}

function retryBase(): number | undefined {
  const n = Number(process.env.AGENTLOG_RETRY_MS);
  return process.env.AGENTLOG_RETRY_MS && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** VS Code restores the panels that were open before a reload through this serializer. */
export function registerPanelSerializer(panels: SessionPanels): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => panels.revive(panel, state) });
}

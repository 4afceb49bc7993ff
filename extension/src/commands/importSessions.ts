/** Import Claude Code or Codex sessions into a store, in-process with VS Code's progress UI (agentlog.importClaude, agentlog.importCodex). */
import * as vscode from 'vscode';
import { defaultSessionFiles, importFiles, type ImportFormat, type ImportSummary } from '../../../core/index.js';
import { openStore } from '../storeReader.js';
import { registerCommand, type CommandDeps, type StoreArg } from './command.js';
import { pickStore } from './pick.js';

/** What an import command takes: the store, the files (default: the agent's sessions of the store's folder), or all projects' sessions. */
export type ImportArg = (StoreArg & { files?: string[]; all?: boolean }) | undefined;

/** Register the import command `id` for one agent's sessions; returns the summary. */
export function registerImport(deps: CommandDeps, id: string, format: ImportFormat): vscode.Disposable {
  return registerCommand(id, async (arg?: ImportArg) => {
    const dir = await pickStore(deps, arg);
    return dir && importSessions(dir, format, arg?.all ? undefined : workspaceOf(dir), deps.out, arg?.files).finally(() => deps.view.refresh());
  });
}

export async function importSessions(
  dir: string,
  format: ImportFormat,
  within: string | undefined,
  out: vscode.OutputChannel,
  files?: string[],
): Promise<ImportSummary> {
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
  out.appendLine(
    `import ${format} → ${dir}: ${summary.sessions} sessions, ${summary.timelines.created} new timelines, ${summary.timelines.extended} extended, ${summary.events.appended} events appended`,
  );
  for (const w of summary.warnings) out.appendLine(`  warning: ${JSON.stringify(w)}`);
  vscode.window.showInformationMessage(
    `agentlog: imported ${summary.sessions} ${label} session(s): ${summary.timelines.created} new, ${summary.timelines.extended} extended, ${summary.events.appended} events${summary.warnings.length ? ` (${summary.warnings.length} warnings in the output)` : ''}`,
  );
  return summary;
}

/** The workspace folder a store belongs to: imports take only that folder's sessions. */
function workspaceOf(dir: string): string | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir))?.uri.fsPath;
}

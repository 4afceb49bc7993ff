/**
 * The workspace's capture offer, without VS Code: which agentlog the hooks run, and the project-level
 * install for Claude Code (the workspace folder's `.claude/settings.local.json`) that the command
 * "agentlog: Capture Sessions of This Workspace" shows and then writes. The command itself
 * (commands/captureSessions.ts) only asks and reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit, captureSetup, planInstall, type CaptureSetup, type SettingsEdit } from '../../core/index.js';

/**
 * The agentlog command the hooks run, as an absolute argv: the `agentlog.cliPath` setting when given
 * (an absolute path to an existing file), else the first executable `agentlog` on PATH; undefined when
 * there is none (the extension carries no CLI of its own, and a hook needs one).
 */
export function findAgentlogCli(setting: string | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (setting) {
    if (!path.isAbsolute(setting) || !fs.existsSync(setting)) throw new Error(`agentlog.cliPath is not an absolute path to a file: ${setting}`);
    return [setting];
  }
  const names = process.platform === 'win32' ? ['agentlog.cmd', 'agentlog.exe'] : ['agentlog'];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return [file];
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface CaptureOffer {
  setup: CaptureSetup;
  edit: SettingsEdit;
}

/** What capturing the workspace's Claude Code sessions into `storeDir` would change (nothing written). */
export function captureOffer(workspaceFolder: string, storeDir: string, agentlog: string[], env: NodeJS.ProcessEnv): CaptureOffer {
  const setup = captureSetup('claude', 'project', env, workspaceFolder);
  return { setup, edit: planInstall(setup, agentlog, storeDir) };
}

/** Write the offer's change. */
export function acceptCaptureOffer(offer: CaptureOffer): void {
  applyEdit(offer.setup, offer.edit);
}

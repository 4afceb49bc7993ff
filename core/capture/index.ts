/**
 * core/capture/ owns capture: every session an agent writes lands in the store as it is written, with
 * no command to run. It sets up the agents' own mechanisms (install.ts: Claude Code's hooks in its
 * settings, claudeSettings.ts; Codex's `notify` in its config.toml, codexConfig.ts), editing files the
 * user owns so that uninstall removes exactly what install added; it answers those hooks (hook.ts:
 * which session files a hook's input names, a log in `.git/agentlog/capture.log`); and it imports a
 * session file at the cost of what the file gained since the last hook (captureFile.ts, with the
 * derived per-file state of state.ts and, for Claude Code's record tree, claudeWalk.ts), falling back
 * to core/import's whole-file import whenever the state does not match.
 */

export { captureFile, type CaptureOptions, type CaptureResult } from './captureFile.js';
export { importChanged, type ImportChangedOptions, type ImportChangedSummary } from './importChanged.js';
export { appendCaptureLog, captureLog, hookFiles, runHook, runThen, MAX_HOOK_INPUT } from './hook.js';
export {
  applyEdit,
  captureSetup,
  captureStatus,
  hookArgv,
  planInstall,
  planUninstall,
  type CaptureAgent,
  type CaptureScope,
  type CaptureSetup,
} from './install.js';
export type { Edit as SettingsEdit } from './claudeSettings.js';

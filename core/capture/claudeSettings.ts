import { AgentlogError } from '../errors.js';

/**
 * Capture's hooks in a Claude Code settings file (`~/.claude/settings.json`, or a project's
 * `.claude/settings.local.json`): `hooks.<Event>: [{hooks: [{type: "command", command, timeout}]}]`.
 * The file is the user's: it is parsed, our entries added or removed, everything else kept; a file
 * that is not a JSON object is refused, never overwritten. Our entries are recognised by their
 * command (`… capture hook claude …`), so uninstall removes exactly them.
 */

/** The events capture runs on: after each answer, each subagent, before a compaction, at the end. */
export const CLAUDE_EVENTS = ['Stop', 'SubagentStop', 'PreCompact', 'SessionEnd'] as const;

const MARK = / capture hook claude\b/;

type Settings = Record<string, unknown>;
type Group = { hooks?: unknown; [key: string]: unknown };

function parse(text: string | undefined, file: string): Settings {
  if (text === undefined || text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new AgentlogError('E_INPUT', `${file} is not valid JSON (${(e as Error).message}); fix it by hand, agentlog leaves it as it is`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AgentlogError('E_INPUT', `${file} is not a JSON object; agentlog leaves it as it is`);
  const hooks = (v as Settings).hooks;
  if (hooks !== undefined && (hooks === null || typeof hooks !== 'object' || Array.isArray(hooks))) {
    throw new AgentlogError('E_INPUT', `${file}: "hooks" is not an object; agentlog leaves the file as it is`);
  }
  return v as Settings;
}

const isOurs = (h: unknown): boolean =>
  h !== null && typeof h === 'object' && (h as Record<string, unknown>).type === 'command' && MARK.test(String((h as Record<string, unknown>).command));

/** The settings without capture's hooks (groups and events left empty by that removed too). */
function without(settings: Settings, removed: string[]): Settings {
  const hooks = settings.hooks as Record<string, unknown> | undefined;
  if (!hooks) return settings;
  const next: Record<string, unknown> = {};
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      next[event] = groups;
      continue;
    }
    const kept: unknown[] = [];
    for (const g of groups as Group[]) {
      if (g === null || typeof g !== 'object' || !Array.isArray(g.hooks) || !g.hooks.some(isOurs)) {
        kept.push(g);
        continue;
      }
      for (const h of g.hooks.filter(isOurs)) removed.push(`${event}: ${(h as Record<string, unknown>).command}`);
      const rest = g.hooks.filter((h) => !isOurs(h));
      if (rest.length > 0) kept.push({ ...g, hooks: rest });
    }
    if (kept.length > 0) next[event] = kept;
  }
  const out = { ...settings };
  if (Object.keys(next).length > 0) out.hooks = next;
  else delete out.hooks;
  return out;
}

export interface Edit {
  /** The new text of the file, or undefined when it is to be left as it is. */
  text?: string;
  /** What changed, one line each, for people. */
  changes: string[];
}

/** Add capture's hooks (replacing ones an earlier install added) running `command`. */
export function installClaude(text: string | undefined, file: string, command: string): Edit {
  const removed: string[] = [];
  const settings = without(parse(text, file), removed);
  const hooks = { ...((settings.hooks as Record<string, unknown>) ?? {}) };
  const changes: string[] = [];
  for (const event of CLAUDE_EVENTS) {
    if (hooks[event] !== undefined && !Array.isArray(hooks[event])) {
      throw new AgentlogError('E_INPUT', `${file}: "hooks.${event}" is not a list; agentlog leaves the file as it is`);
    }
    const groups = (hooks[event] as unknown[] | undefined) ?? [];
    hooks[event] = [...groups, { hooks: [{ type: 'command', command, timeout: 60 }] }];
    changes.push(`+ hooks.${event}: ${command}`);
  }
  const next = { ...settings, hooks };
  const out = `${JSON.stringify(next, null, 2)}\n`;
  if (out === text) return { changes: [] };
  // Claude Code runs no hook at all with this set: say so rather than let capture silently do nothing.
  if (settings.disableAllHooks === true) changes.push('! "disableAllHooks": true in this file: Claude Code runs no hooks until it is removed');
  return { text: out, changes: [...removed.map((r) => `- hooks.${r}`), ...changes] };
}

/** Remove exactly the hooks capture added. */
export function uninstallClaude(text: string | undefined, file: string): Edit {
  if (text === undefined) return { changes: [] };
  const removed: string[] = [];
  const next = without(parse(text, file), removed);
  if (removed.length === 0) return { changes: [] };
  return { text: `${JSON.stringify(next, null, 2)}\n`, changes: removed.map((r) => `- hooks.${r}`) };
}

/** The capture hooks a settings file holds: event and command. */
export function claudeStatus(text: string | undefined, file: string): string[] {
  const found: string[] = [];
  if (text !== undefined) without(parse(text, file), found);
  return found;
}

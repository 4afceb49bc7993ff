import { createHash } from 'node:crypto';
import { AgentlogError, claudeTimelineName } from '../../../core/index.js';

/**
 * The SDK's keys, checked as hostile input (they come from the caller and from the SDK's own
 * listings) and mapped onto what `agentlog import claude` knows: a session is the file
 * `<sessionId>.jsonl`, a subagent transcript `<sessionId>/<subpath>.jsonl`, and each is the timeline
 * import makes of that file (claudeTimelineName).
 */

export interface Key {
  projectKey: string;
  sessionId: string;
  subpath?: string;
}

const MAX_NAME = 255;

/** A session id: one file name (no separators, no `.`/`..`, no control characters). */
export function checkSessionId(sessionId: unknown): string {
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 200 || /[/\\\0-\x1f]/.test(sessionId) || /^\.\.?$/.test(sessionId)) {
    throw new AgentlogError(
      'E_INPUT',
      `session id ${JSON.stringify(String(sessionId).slice(0, 80))} is not a file name (1–200 characters, no / \\ or control characters)`,
      {},
    );
  }
  return sessionId;
}

/**
 * A subagent's subpath, as the SDK writes it: `subagents/agent-<id>` or
 * `subagents/workflows/<run>/agent-<id>` (the transcripts import reads). Anything else (a workflow's
 * journal, a path that climbs out) has no timeline of its own and is refused, naming it.
 */
export function subagentOf(subpath: unknown): { agentId: string; file: string } {
  if (typeof subpath !== 'string' || subpath.length > 400) throw badSubpath(subpath);
  const parts = subpath.split('/');
  const seg = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
  if (!parts.every((p) => seg.test(p) && !p.includes('..'))) throw badSubpath(subpath);
  const last = parts[parts.length - 1];
  const plain = parts.length === 2 && parts[0] === 'subagents';
  const workflow = parts.length === 4 && parts[0] === 'subagents' && parts[1] === 'workflows' && /^wf_[A-Za-z0-9_-]+$/.test(parts[2]);
  if (!(plain || workflow) || !last.startsWith('agent-') || last.length === 'agent-'.length) throw badSubpath(subpath);
  return { agentId: last.slice('agent-'.length), file: `${subpath}.jsonl` };
}

function badSubpath(subpath: unknown): AgentlogError {
  return new AgentlogError(
    'E_INPUT',
    `subpath ${JSON.stringify(String(subpath).slice(0, 120))} is not a subagent transcript (subagents/agent-<id> or subagents/workflows/<run>/agent-<id>); agentlog keeps no other files of a session`,
    {},
  );
}

export function checkKey(key: unknown): Key {
  if (!key || typeof key !== 'object') throw new AgentlogError('E_INPUT', 'a session key must be an object { projectKey, sessionId, subpath? }', {});
  const k = key as Record<string, unknown>;
  projectDir(k.projectKey);
  checkSessionId(k.sessionId);
  if (k.subpath !== undefined) subagentOf(k.subpath);
  return k as unknown as Key;
}

/**
 * The folder (under the adapter's root) of a project's store: the project key itself when it is a
 * plain file name (the SDK's default, a sanitized cwd, is), else its plain characters and 12 hex
 * digits of its SHA-256, so that two keys never share a store.
 */
export function projectDir(projectKey: unknown): string {
  if (typeof projectKey !== 'string' || projectKey.length === 0 || projectKey.length > 1024) {
    throw new AgentlogError('E_INPUT', 'a project key must be a string of 1 to 1024 characters', {});
  }
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(projectKey) && projectKey.length <= MAX_NAME && !projectKey.includes('..')) return projectKey;
  const plain = projectKey.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 100);
  return `${plain}~${createHash('sha256').update(projectKey).digest('hex').slice(0, 12)}`;
}

/** The timeline import makes of a key's transcript. */
export function timelineOf(key: Key): string {
  return key.subpath === undefined ? claudeTimelineName(key.sessionId) : claudeTimelineName(key.sessionId, subagentOf(key.subpath).agentId);
}

import { createHash } from 'node:crypto';
import { AgentlogError } from './core.js';

/**
 * How a LangGraph thread and checkpoint namespace name their timelines (stated once, here):
 *
 *   langgraph/<thread>/main            the root namespace ("") of the thread
 *   langgraph/<thread>/fork-<k>        a fork of it (time travel, updateState on an older checkpoint)
 *   langgraph/<thread>/ns-<ns>/main    a subgraph's namespace, and its forks ns-<ns>/fork-<k>
 *
 * <thread> and <ns> are segments: [A-Za-z0-9_-] kept, every other UTF-8 byte written %XX (upper-case hex),
 * so any string gives a valid ref-name component and two strings never give the same one. A segment
 * longer than MAX_SEGMENT is replaced by "=" and the first 40 hex digits of the SHA-256 of the string
 * ("=" never appears in an encoded segment). The real thread id and namespace are kept in the genesis
 * event of each timeline, which is what list() reads; names are only for finding them.
 */

export const ROOT = 'langgraph';
const MAX_SEGMENT = 80;

export function segment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_SEGMENT) return out;
  return `=${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 40)}`;
}

/** The folder of a thread's timelines (a ref-name prefix below refs/heads/, with its trailing slash). */
export function threadPrefix(threadId: string): string {
  return `${ROOT}/${segment(threadId)}/`;
}

/** The folder of one namespace's timelines inside a thread's (the thread's own folder for the root namespace). */
export function namespacePrefix(threadId: string, ns: string): string {
  return ns === '' ? threadPrefix(threadId) : `${threadPrefix(threadId)}ns-${segment(ns)}/`;
}

/** Which namespace folder a timeline name (below its thread's folder) is in, and its line (`main`, `fork-<k>`). */
export function splitLine(rest: string): { nsSegment?: string; line: string } | undefined {
  const parts = rest.split('/');
  if (parts.length === 1 && isLine(parts[0])) return { line: parts[0] };
  if (parts.length === 2 && parts[0].startsWith('ns-') && isLine(parts[1])) return { nsSegment: parts[0].slice(3), line: parts[1] };
  return undefined;
}

function isLine(s: string): boolean {
  return s === 'main' || /^fork-[1-9][0-9]*$/.test(s);
}

/** A thread id or namespace from a RunnableConfig, checked: LangGraph names them with strings. */
export function configString(value: unknown, field: string, allowEmpty: boolean): string {
  if (typeof value !== 'string') {
    throw new AgentlogError('E_INPUT', `AgentlogSaver: configurable.${field} must be a string (got ${value === null ? 'null' : typeof value})`, { field });
  }
  if (value === '' && !allowEmpty) throw new AgentlogError('E_INPUT', `AgentlogSaver: configurable.${field} must not be empty`, { field });
  return value;
}

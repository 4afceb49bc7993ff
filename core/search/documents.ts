import { blocksOf, type Event } from '../event/event.js';
import { CODEX_FORMAT } from '../formats/codex/records.js';
import { describeRecord } from '../formats/describe.js';
import { sourceOf } from '../formats/source.js';
import { resultOf } from '../reading/results.js';
import { toolView } from '../reading/toolViews.js';
import type { ToolView } from '../reading/types.js';

/**
 * What the search index holds of one event: its words by field (what was said, what the agent
 * thought, what a tool was given, what it answered, the files it touched) and what the filters need
 * (kind, role, tool names, paths). Read with the reading model's tool views (core/reading), so a path
 * is found where `show` finds it. Each field is clipped to FIELD_MAX characters: the words past that
 * (the middle of a 5,000-line file a tool read) are not searchable, which keeps the index a fraction
 * of the store. Records the reading model hides as bookkeeping, and Codex's copies of a message, make
 * no document (undefined): a hit on them would only repeat the message's own.
 */
export interface SearchDoc {
  text: string;
  thinking: string;
  tool: string;
  output: string;
  path: string;
  kind: string;
  role: string;
  /** Tool names, lowercased, space-separated. */
  tools: string;
}

export const FIELDS = ['text', 'thinking', 'tool', 'output', 'path'] as const;
export type Field = (typeof FIELDS)[number];

/** How much of one field of one event is indexed (characters). */
export const FIELD_MAX = 32 * 1024;

/** Tool calls seen earlier in the timeline being indexed (call id → name and view), to name a result's tool. */
export type CallNames = Map<string, { name: string; paths: string[]; view: ToolView }>;

export function searchDoc(e: Event, calls: CallNames): SearchDoc | undefined {
  const parts: Record<Field, string[]> = { text: [], thinking: [], tool: [], output: [], path: [] };
  const tools = new Set<string>();
  const paths = new Set<string>();
  if (e.kind === 'message') {
    for (const b of blocksOf(e.content)) {
      if (b.type === 'text' && typeof b.text === 'string') parts.text.push(b.text);
      else if ((b.type === 'thinking' || b.type === 'redacted_thinking') && typeof b.thinking === 'string') parts.thinking.push(b.thinking);
      else if (b.type === 'reasoning' && Array.isArray(b.summary)) parts.thinking.push(b.summary.filter((s) => typeof s === 'string').join('\n'));
      else if (b.type === 'tool_use') {
        const { name, paths: touched, view } = callOf(b);
        tools.add(name.toLowerCase());
        for (const p of touched) paths.add(p);
        parts.tool.push(name, ...toolWords(view));
        if (typeof b.id === 'string' && b.id) calls.set(b.id, { name, paths: touched, view });
      } else if (b.type === 'tool_result') {
        const call = typeof b.tool_use_id === 'string' ? calls.get(b.tool_use_id) : undefined;
        if (call) {
          tools.add(call.name.toLowerCase());
          for (const p of call.paths) paths.add(p);
        }
        parts.output.push(resultOf(b, { seq: e.seq }, call?.view).text);
      }
    }
  } else if (e.kind === 'session') {
    if (typeof e.title === 'string') parts.text.push(e.title);
    if (typeof e.cwd === 'string') parts.path.push(e.cwd);
  } else if (e.kind === 'compaction' || e.kind === 'note') {
    const t = typeof e.summary === 'string' ? e.summary : typeof e.text === 'string' ? e.text : '';
    if (t) parts.text.push(t);
  } else {
    const described = describeRecord(e);
    if (!described || described.quiet || sourceOf(e, CODEX_FORMAT)?.sameAs !== undefined) return undefined;
    parts.text.push(described.label, described.detail ?? '');
  }
  parts.path.push(...paths);
  const doc: SearchDoc = {
    text: clip(parts.text),
    thinking: clip(parts.thinking),
    tool: clip(parts.tool),
    output: clip(parts.output),
    path: clip(parts.path),
    kind: e.kind,
    role: typeof e.role === 'string' ? e.role : '',
    tools: [...tools].join(' '),
  };
  return FIELDS.some((f) => doc[f] !== '') ? doc : undefined;
}

/** A tool_use block's name, tool view and the files it names. */
function callOf(b: Record<string, unknown>): { name: string; paths: string[]; view: ToolView } {
  const name = typeof b.name === 'string' ? b.name : 'tool';
  const view = toolView(name, b.input);
  return { name, paths: pathsOf(view), view };
}

/** The call ids of the tool results in `e` (a message's tool_result blocks). */
export function resultIds(e: Event): string[] {
  if (e.kind !== 'message') return [];
  return blocksOf(e.content).flatMap((b) => (b.type === 'tool_result' && typeof b.tool_use_id === 'string' ? [b.tool_use_id] : []));
}

/**
 * Note in `calls` the tool calls of `e` whose ids are in `wanted` (taking them out of it): a call
 * made before the events being indexed, whose result is among them (search/update.ts).
 */
export function noteCalls(e: Event, wanted: Set<string>, calls: CallNames): void {
  if (e.kind !== 'message') return;
  for (const b of blocksOf(e.content)) {
    if (b.type !== 'tool_use' || typeof b.id !== 'string' || !wanted.has(b.id)) continue;
    calls.set(b.id, callOf(b));
    wanted.delete(b.id);
  }
}

/** The files a tool call names: what it read, wrote, edited, patched, or searched in. */
function pathsOf(view: ToolView): string[] {
  switch (view.kind) {
    case 'edit':
    case 'write':
    case 'read':
      return [view.path];
    case 'patch':
      return view.files.flatMap((f) => (f.moveTo ? [f.path, f.moveTo] : [f.path]));
    case 'search':
      return view.path ? [view.path] : [];
    case 'shell':
      return view.cwd ? [view.cwd] : [];
    default:
      return [];
  }
}

/** A call's input in words: the command, the pattern, the edit, the prompt (a generic input: its strings). */
function toolWords(view: ToolView): string[] {
  switch (view.kind) {
    case 'shell':
      return [view.command, view.description ?? ''];
    case 'edit':
      return view.edits.flatMap((e) => [e.old, e.new]);
    case 'write':
      return [view.content];
    case 'patch':
      return [view.patch];
    case 'read':
      return [];
    case 'search':
      return [view.pattern, view.glob ?? ''];
    case 'web':
      return [view.query ?? '', view.url ?? '', view.prompt ?? ''];
    case 'todo':
      return [...view.items.map((i) => i.text), view.explanation ?? ''];
    case 'agent':
      return [view.description, view.prompt];
    case 'generic': {
      const out: string[] = [];
      stringsIn(view.input, out, 0);
      return out;
    }
  }
}

/** The strings of a value, depth-first, at most FIELD_MAX characters of them. */
function stringsIn(v: unknown, out: string[], size: number): number {
  if (size >= FIELD_MAX) return size;
  if (typeof v === 'string') {
    out.push(v);
    return size + v.length;
  }
  if (Array.isArray(v)) {
    for (const x of v) size = stringsIn(x, out, size);
  } else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const x of Object.values(v)) size = stringsIn(x, out, size);
  }
  return size;
}

function clip(parts: string[]): string {
  let out = '';
  for (const p of parts) {
    if (!p) continue;
    out = out ? `${out}\n${p}` : p;
    if (out.length >= FIELD_MAX) return out.slice(0, FIELD_MAX);
  }
  return out;
}

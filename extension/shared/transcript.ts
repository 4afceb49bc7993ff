/**
 * Events → what the session panel draws. Pure: no VS Code, no DOM. The webview gets these plain
 * objects and inserts every string as text (markdown goes through markdown-it with HTML disabled,
 * then DOMPurify).
 */
import {
  compactJson,
  blocksOf,
  dateOf,
  stringifyDagJson,
  summarize,
  textOf,
  actorOf,
  type ContentBlock,
  type Event,
  type StoredEvent,
} from '../../core/index.js';

export type BlockVM =
  | { t: 'markdown'; text: string }
  | { t: 'thinking'; text: string; summary: string }
  | { t: 'tool_use'; id: string; name: string; input: string; summary: string }
  | { t: 'tool_result'; id: string; text: string; isError: boolean; summary: string }
  | { t: 'image'; mediaType: string; src: string | null; bytes: number }
  | { t: 'raw'; label: string; text: string };

export interface ItemVM {
  seq: number;
  cid: string;
  kind: string;
  ts: number;
  actor: string;
  /** user | assistant | system for messages; the kind otherwise. */
  role: string;
  /** One line: what `git log --oneline` shows for this event. */
  summary: string;
  blocks: BlockVM[];
  /** A tool result marked as an error, or an event carrying an error. */
  error: boolean;
}

/** Larger texts are cut (with a note) so one event cannot stall the panel. */
export const MAX_TEXT = 2_000_000;
/** Raster formats shown inline; anything else (SVG included) is listed, not drawn. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_IMAGE = 8 * 1024 * 1024;

export function itemOf(stored: StoredEvent): ItemVM {
  const { event, cid } = stored;
  const blocks = blocksFor(event);
  return {
    seq: event.seq,
    cid: cid.toString(),
    kind: event.kind,
    ts: dateOf(event.ts).getTime(), // a Date the page can print
    actor: actorOf(event),
    role: event.kind === 'message' && typeof event.role === 'string' ? event.role : event.kind,
    summary: summarize(event, 120),
    blocks,
    error: blocks.some((b) => b.t === 'tool_result' && b.isError) || event.is_error === true || (typeof event.error === 'string' && event.error !== ''),
  };
}

function blocksFor(event: Event): BlockVM[] {
  switch (event.kind) {
    case 'message':
      return blocksOf(event.content).map(blockOf);
    case 'session':
      return [{ t: 'markdown', text: sessionText(event) }];
    case 'note':
      return [{ t: 'markdown', text: cut(str(event.text) || textOf(event.content)) }];
    case 'compaction':
      return [{ t: 'markdown', text: cut(str(event.summary) || textOf(event.content)) }];
    case 'model':
    case 'checkpoint':
      return [];
    default:
      return [{ t: 'raw', label: event.kind, text: json(withoutEnvelope(event)) }];
  }
}

function blockOf(b: ContentBlock): BlockVM {
  switch (b.type) {
    case 'text':
      return { t: 'markdown', text: cut(str(b.text)) };
    case 'thinking': {
      const text = cut(str(b.thinking) || str(b.text));
      return { t: 'thinking', text, summary: firstLine(text) };
    }
    case 'tool_use': {
      const input = typeof b.input === 'string' ? b.input : json(b.input ?? null);
      return { t: 'tool_use', id: str(b.id), name: str(b.name) || 'tool', input: cut(input), summary: firstLine(compactJson(b.input)) };
    }
    case 'tool_result': {
      const text = typeof b.content === 'string' ? b.content : textOf(b.content) || json(b.content ?? null);
      return { t: 'tool_result', id: str(b.tool_use_id), text: cut(text), isError: b.is_error === true, summary: firstLine(text) };
    }
    case 'image': {
      const mediaType = str(b.media_type) || str((b.source as { media_type?: string } | undefined)?.media_type);
      const data = b.data instanceof Uint8Array ? b.data : undefined;
      const drawable = data && IMAGE_TYPES.has(mediaType) && data.length <= MAX_IMAGE;
      return { t: 'image', mediaType: mediaType || 'unknown', src: drawable ? `data:${mediaType};base64,${base64(data)}` : null, bytes: data?.length ?? 0 };
    }
    default:
      return { t: 'raw', label: b.type, text: json(b) };
  }
}

function sessionText(e: Event): string {
  const agent = e.agent as { name?: unknown; version?: unknown } | undefined;
  const lines = [`**${escapeMd(str(e.title) || 'untitled session')}**`];
  const who = [str(agent?.name), str(agent?.version)].filter(Boolean).join(' ');
  if (who) lines.push(`agent: ${escapeMd(who)}`);
  if (str(e.model)) lines.push(`model: ${escapeMd(str(e.model))}`);
  if (str(e.cwd)) lines.push(`cwd: \`${str(e.cwd).replace(/`/g, "'")}\``);
  return lines.join('  \n');
}

/** The session's title, agent and model from its genesis event. */
export function sessionFacts(genesis: Event): { title: string; agent: string; model: string } {
  const agent = genesis.agent as { name?: unknown } | undefined;
  return { title: str(genesis.title), agent: str(agent?.name), model: str(genesis.model) };
}

function withoutEnvelope(e: Event): Record<string, unknown> {
  const { v: _v, seq: _s, prev: _p, ts: _t, kind: _k, ...rest } = e;
  return rest;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function cut(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}\n… (${s.length - MAX_TEXT} more characters not shown)` : s;
}

function firstLine(s: string, width = 100): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function json(v: unknown): string {
  try {
    return cut(stringifyDagJson(v, 2));
  } catch {
    return cut(compactJson(v));
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * core's reading model (core/reading: turns, calls paired with results, typed tool views, hidden
 * bookkeeping) → what the session panel draws. Pure: no VS Code, no DOM. Long texts are previews
 * here: the page shows the start and offers the whole as a read-only document the host serves
 * (shared/documents.ts), so no event is ever cut from view and none stalls the page. Every piece keeps
 * the seq (and block) of its event, so the host finds the event again for a diff, a path, a raw view.
 */
import { compactJson, lineDiff, type DiffLine, type Event, type Reading, type Step, type ToolResult, type ToolView, type Turn } from '../../core/index.js';

/** The most characters of one text (an output, a file's content, a prompt) the page gets; the rest opens in an editor. */
export const PREVIEW_CHARS = 20_000;
/** The most lines of one output or diff shown in the card; the rest opens in an editor. */
export const PREVIEW_LINES = 60;
/** Raster formats shown inline; anything else (SVG included) is listed, not drawn. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_IMAGE = 8 * 1024 * 1024;

/** A text as the page gets it: its start, and how long the whole is. */
export interface TextVM {
  text: string;
  /** Characters and lines of the whole text; `cut` when `text` is only its start. */
  chars: number;
  lines: number;
  cut: boolean;
}

export interface ImageVM {
  seq: number;
  mediaType: string;
  bytes: number;
  /** A data: URI, or null when not drawn (too big, or not a raster format). */
  src: string | null;
}

export type ToolViewVM =
  | { kind: 'shell'; command: TextVM; description?: string; cwd?: string }
  | { kind: 'edit'; path: string; diff: DiffLine[]; diffCut: boolean; edits: number }
  | { kind: 'write'; path: string; content: TextVM }
  | { kind: 'patch'; files: { path: string; op: string; moveTo?: string; added: number; removed: number }[]; patch: TextVM }
  | { kind: 'read'; path: string; offset?: number; limit?: number }
  | { kind: 'search'; pattern: string; path?: string; glob?: string }
  | { kind: 'web'; query?: string; url?: string; prompt?: string }
  | { kind: 'todo'; items: { text: string; status: string }[]; explanation?: string }
  | { kind: 'agent'; description: string; prompt: TextVM; agentType?: string }
  | { kind: 'generic'; input: TextVM };

export interface ResultVM {
  seq: number;
  block?: number;
  output: TextVM;
  isError: boolean;
  exitCode?: number;
  images: number;
}

export type StepVM =
  | { t: 'text'; seq: number; block?: number; text: TextVM }
  | { t: 'thinking'; seq: number; block?: number; text: TextVM }
  | { t: 'tool'; seq: number; block?: number; id: string; name: string; view: ToolViewVM; result?: ResultVM; subagent?: string; summary: string }
  | { t: 'image'; image: ImageVM }
  | { t: 'notice'; seq: number; block?: number; kind: string; label: string; text?: TextVM }
  | { t: 'result'; seq: number; block?: number; callId: string; result: ResultVM };

export interface HiddenVM {
  seq: number;
  block?: number;
  kind: string;
  label: string;
  why: string;
}

export interface TurnVM {
  index: number;
  first: number;
  last: number;
  ts: number;
  model?: string;
  prompt?: { seq: number; block?: number; kind: string; text: TextVM; images: ImageVM[] };
  steps: StepVM[];
  answer?: { seq: number; block?: number; text: TextVM };
  hidden: HiddenVM[];
  /** Tool calls in the turn, and how many failed. */
  calls: number;
  errors: number;
  /** The part of a long turn that started before these events (its earlier part is an older card). */
  continued?: boolean;
}

/** The turns of a reading for the page; `eventAt` gives an event of the window (for its images). */
export function turnsVM(reading: Reading, eventAt: (seq: number) => Event | undefined): TurnVM[] {
  return reading.turns.map((t) => turnVM(t, eventAt));
}

function turnVM(t: Turn, eventAt: (seq: number) => Event | undefined): TurnVM {
  const steps = t.steps.map((s) => stepVM(s, eventAt));
  let calls = 0;
  let errors = 0;
  for (const s of steps) {
    if (s.t !== 'tool') continue;
    calls++;
    if (s.result?.isError) errors++;
  }
  return {
    index: t.index,
    first: t.first,
    last: t.last,
    ts: t.ts,
    ...(t.model ? { model: t.model } : {}),
    ...(t.prompt
      ? {
          prompt: {
            seq: t.prompt.ref.seq,
            block: t.prompt.ref.block,
            kind: t.prompt.kind,
            text: textVM(t.prompt.text),
            images: t.prompt.images.map((i) => imageVM(i.ref.seq, i.ref.block, i.mediaType, i.bytes, eventAt)),
          },
        }
      : {}),
    steps,
    ...(t.answer ? { answer: { seq: t.answer.ref.seq, block: t.answer.ref.block, text: textVM(t.answer.text) } } : {}),
    hidden: t.hidden.map((h) => ({ seq: h.ref.seq, block: h.ref.block, kind: h.kind, label: h.label, why: h.why })),
    calls,
    errors,
  };
}

function stepVM(s: Step, eventAt: (seq: number) => Event | undefined): StepVM {
  switch (s.type) {
    case 'text':
      return { t: 'text', seq: s.ref.seq, block: s.ref.block, text: textVM(s.text) };
    case 'thinking':
      return { t: 'thinking', seq: s.ref.seq, block: s.ref.block, text: textVM(s.text) };
    case 'tool': {
      const c = s.call;
      return {
        t: 'tool',
        seq: c.ref.seq,
        block: c.ref.block,
        id: c.id,
        name: c.name,
        view: viewVM(c.view),
        ...(c.result ? { result: resultVM(c.result) } : {}),
        ...(c.subagent ? { subagent: c.subagent.timeline } : {}),
        summary: summaryOf(c.view),
      };
    }
    case 'image':
      return { t: 'image', image: imageVM(s.ref.seq, s.ref.block, s.mediaType, s.bytes, eventAt) };
    case 'notice':
      return { t: 'notice', seq: s.ref.seq, block: s.ref.block, kind: s.kind, label: s.label, ...(s.text !== undefined ? { text: textVM(s.text) } : {}) };
    case 'result':
      return { t: 'result', seq: s.result.ref.seq, block: s.result.ref.block, callId: s.callId, result: resultVM(s.result) };
  }
}

function resultVM(r: ToolResult): ResultVM {
  return {
    seq: r.ref.seq,
    block: r.ref.block,
    output: textVM(r.text),
    isError: r.isError,
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    images: r.images,
  };
}

function viewVM(v: ToolView): ToolViewVM {
  switch (v.kind) {
    case 'shell':
      return { kind: 'shell', command: textVM(v.command), ...(v.description ? { description: v.description } : {}), ...(v.cwd ? { cwd: v.cwd } : {}) };
    case 'edit': {
      const diff: DiffLine[] = [];
      let cut = false;
      for (const e of v.edits) {
        if (diff.length >= PREVIEW_LINES || e.old.length + e.new.length > PREVIEW_CHARS * 4) {
          cut = true;
          break;
        }
        const lines = lineDiff(e.old, e.new);
        if (diff.length) diff.push({ op: ' ', text: '⋯' });
        diff.push(...lines);
      }
      if (diff.length > PREVIEW_LINES) {
        diff.length = PREVIEW_LINES;
        cut = true;
      }
      for (const d of diff) if (d.text.length > 2000) d.text = `${d.text.slice(0, 2000)}…`;
      return { kind: 'edit', path: v.path, diff, diffCut: cut, edits: v.edits.length };
    }
    case 'write':
      return { kind: 'write', path: v.path, content: textVM(v.content) };
    case 'patch':
      return { kind: 'patch', files: v.files.slice(0, 200), patch: textVM(v.patch) };
    case 'agent':
      return { kind: 'agent', description: v.description, prompt: textVM(v.prompt), ...(v.agentType ? { agentType: v.agentType } : {}) };
    case 'todo':
      return { kind: 'todo', items: v.items.slice(0, 200), ...(v.explanation ? { explanation: v.explanation } : {}) };
    case 'generic':
      return { kind: 'generic', input: textVM(jsonText(v.input)) };
    default:
      return v;
  }
}

/** One line saying what a call does: its command, path, pattern, query. */
export function summaryOf(v: ToolView): string {
  switch (v.kind) {
    case 'shell':
      return firstLine(v.description ? `${v.command}` : v.command);
    case 'edit':
    case 'write':
    case 'read':
      return v.path;
    case 'patch':
      return v.files.map((f) => f.path).join(', ');
    case 'search':
      return `${v.pattern}${v.path ? ` in ${v.path}` : ''}`;
    case 'web':
      return v.query ?? v.url ?? '';
    case 'todo':
      return `${v.items.length} item${v.items.length === 1 ? '' : 's'}`;
    case 'agent':
      return v.description || firstLine(v.prompt);
    case 'generic':
      return firstLine(compactJson(v.input));
  }
}

/** A text's start (PREVIEW_CHARS, at most PREVIEW_LINES lines when `lines`), with its whole size. */
export function textVM(text: string, maxLines = Number.POSITIVE_INFINITY): TextVM {
  let lines = 1;
  let cutAt = -1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    lines++;
    if (lines > maxLines && cutAt < 0) cutAt = i;
  }
  let end = Math.min(text.length, PREVIEW_CHARS);
  if (cutAt >= 0 && cutAt < end) end = cutAt;
  return { text: end < text.length ? text.slice(0, end) : text, chars: text.length, lines, cut: end < text.length };
}

function imageVM(seq: number, block: number | undefined, mediaType: string, bytes: number, eventAt: (seq: number) => Event | undefined): ImageVM {
  const e = eventAt(seq);
  const content = e && Array.isArray(e.content) ? (e.content as unknown[]) : [];
  const b = block === undefined ? undefined : (content[block] as Record<string, unknown> | undefined);
  let src: string | null = null;
  if (b && IMAGE_TYPES.has(mediaType) && bytes <= MAX_IMAGE) {
    if (b.data instanceof Uint8Array) src = `data:${mediaType};base64,${Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('base64')}`;
    else {
      const source = b.source as { type?: unknown; data?: unknown } | undefined;
      if (source && typeof source.data === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(source.data.slice(0, 256))) src = `data:${mediaType};base64,${source.data}`;
      else if (typeof b.image_url === 'string' && b.image_url.startsWith(`data:${mediaType};base64,`)) src = b.image_url;
    }
  }
  return { seq, mediaType: mediaType || 'unknown', bytes, src };
}

function firstLine(s: string, width = 120): string {
  const line = s
    .slice(0, width * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** A generic input as indented JSON (bytes named, not dumped). */
export function jsonText(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `<${x.length} bytes>` : x), 2) ?? '';
  } catch {
    return compactJson(v);
  }
}

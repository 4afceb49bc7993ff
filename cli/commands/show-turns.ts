import { lineDiff, type Hidden, type Reading, type Step, type ToolCall, type ToolResult, type ToolView, type Turn, safe } from '../../core/index.js';

/**
 * A reading (core/reading) as `agentlog show` prints it: a block per turn, one line per tool call
 * with its result summarised (`full`: the command's output, the diff, the text in full below it),
 * thinking folded, hidden records counted (`all`: listed in place). `color`: ANSI colours (a terminal
 * without NO_COLOR). Every line fits `width` columns: text is wrapped, one-line summaries are cut.
 * Session text is untrusted: control characters are removed before any colour is added.
 */
export interface ShowOptions {
  width: number;
  color: boolean;
  full: boolean;
  all: boolean;
  /** Whether a timeline is in the store (a subagent's, which may not have been imported). */
  exists?: (timeline: string) => boolean;
}

type Paint = (code: string, text: string) => string;

const BOLD = '1';
const DIM = '2';
const RED = '31';
const GREEN = '32';
const YELLOW = '33';
const BLUE = '34';
const MAGENTA = '35';
const CYAN = '36';

export function renderHeader(reading: Reading, o: ShowOptions): string {
  const p = painter(o.color);
  const s = reading.session;
  const out: string[] = [];
  if (s) {
    const bits = [s.agent ? `${s.agent}${s.version ? ` ${s.version}` : ''}` : '', s.model ?? '', s.cwd ?? ''].filter(Boolean).join(' · ');
    pushAll(
      out,
      wrap(`═══ ${safe(s.title ?? 'untitled')}${bits ? `  (${safe(bits)})` : ''}`, o.width, '', '    ').map((l) => p(BOLD, l)),
    );
    if (s.parent)
      out.push(p(DIM, cut(`    a subagent of ${safe(s.parent.timeline)}${s.parent.toolUseId ? ` (call ${safe(s.parent.toolUseId)})` : ''}`, o.width)));
  }
  const hidden = reading.hidden > 0 && !o.all ? `, ${reading.hidden} hidden (--all shows them)` : '';
  out.push(
    p(
      DIM,
      cut(
        `    ${count(reading.turns.filter((t) => t.index > 0).length, 'turn')}, ${count(reading.calls, 'tool call')}, ${count(reading.events, 'event')}${hidden}`,
        o.width,
      ),
    ),
  );
  return `${out.join('\n')}\n`;
}

export function renderTurn(t: Turn, o: ShowOptions): string {
  const p = painter(o.color);
  const out: string[] = [''];
  const when = new Date(t.ts).toISOString().slice(0, 16).replace('T', ' ');
  const who =
    t.index === 0 ? 'before the first prompt' : t.prompt?.kind === 'notification' ? 'notification' : t.prompt?.kind === 'command' ? 'command' : 'user';
  const left = `── ${t.index === 0 ? '' : `${t.index} · `}${who} · ${when}${t.model ? ` · ${safe(t.model)}` : ''} `;
  const right = ` #${t.first}${t.last !== t.first ? `–${t.last}` : ''}`;
  const fill = Math.max(2, o.width - left.length - right.length);
  out.push(p(`${BOLD};${CYAN}`, cut(`${left}${'─'.repeat(fill)}${right}`, o.width)));
  if (t.prompt) {
    for (const l of wrap(safe(t.prompt.text), o.width, '  ', '  ')) out.push(t.prompt.kind === 'user' ? p(BOLD, l) : l);
    for (const img of t.prompt.images) out.push(p(DIM, `  [image ${safe(img.mediaType)} ${bytes(img.bytes)}]`));
  }
  const hiddenAt = o.all ? groupHidden(t.hidden) : undefined;
  const steps = t.steps;
  let h = 0;
  const flushHidden = (upTo: number) => {
    if (!hiddenAt) return;
    while (h < hiddenAt.length && hiddenAt[h].ref.seq <= upTo) pushAll(out, hiddenLines(hiddenAt[h++], o, p));
  };
  for (const s of steps) {
    flushHidden(seqOf(s) - 1);
    pushAll(out, stepLines(s, o, p));
  }
  if (t.answer) {
    flushHidden(t.answer.ref.seq - 1);
    pushAll(out, wrap(safe(t.answer.text), o.width, '  ', '  '));
  }
  flushHidden(Number.POSITIVE_INFINITY);
  if (t.hidden.length > 0 && !o.all) out.push(p(DIM, cut(`  · ${t.hidden.length} hidden: ${hiddenSummary(t.hidden)}`, o.width)));
  return `${out.join('\n')}\n`;
}

function seqOf(s: Step): number {
  return s.type === 'tool' ? s.call.ref.seq : s.type === 'result' ? s.result.ref.seq : s.ref.seq;
}

function stepLines(s: Step, o: ShowOptions, p: Paint): string[] {
  switch (s.type) {
    case 'text':
      return s.text.trim() === '' ? [] : wrap(safe(s.text), o.width, '  ', '  ');
    case 'thinking':
      if (o.full) return wrap(safe(s.text), o.width, '  ∴ ', '    ').map((l) => p(`${DIM};${MAGENTA}`, l));
      return s.text === '' ? [p(DIM, '  ∴ thinking')] : [p(`${DIM};${MAGENTA}`, cut(`  ∴ ${safe(firstLine(s.text))}${moreChars(s.text)}`, o.width))];
    case 'tool':
      return callLines(s.call, o, p);
    case 'image':
      return [p(DIM, `  [image ${safe(s.mediaType)} ${bytes(s.bytes)}]`)];
    case 'result':
      return [p(DIM, cut(`  ← result of ${safe(s.callId) || 'an unnamed call'}: ${resultSummary(s.result)}`, o.width))];
    case 'notice': {
      const label = `  ◆ ${safe(s.label)}${s.text && !o.full && s.kind !== 'summary' && s.kind !== 'compaction' ? `  (${s.text.length.toLocaleString('en-US')} chars)` : ''}`;
      const lines = [p(s.kind === 'interrupted' ? YELLOW : DIM, cut(label, o.width))];
      if (s.text && (o.full || s.kind === 'summary' || s.kind === 'compaction' || s.kind === 'record'))
        pushAll(
          lines,
          (o.full ? wrap(safe(s.text), o.width, '    ', '    ') : [cut(`    ${safe(firstLine(s.text))}`, o.width)]).map((l) => p(DIM, l)),
        );
      return lines;
    }
  }
}

/** Views whose line starts with a path: cut from the left, keeping the file's name and the counts after it. */
const PATH_FIRST = new Set(['read', 'edit', 'write']);

function callLines(c: ToolCall, o: ShowOptions, p: Paint): string[] {
  const head = `  ● ${safe(c.name)}`;
  const what = safe(viewLine(c.view)).replace(/\s*\n\s*/g, ' ');
  const res = c.result ? resultSummary(c.result, c.view) : 'no result';
  const mark = !c.result ? p(YELLOW, '…') : c.result.isError ? p(RED, '✗') : p(GREEN, '✓');
  // One line: the tool, as much of what the call does as fits, then the result's summary (at most
  // half the line).
  const tail = cut(res, Math.max(12, Math.floor(o.width / 2) - 4));
  // head, two spaces, what, a space, the mark, a space, the tail: within the width.
  const room = Math.max(8, o.width - head.length - 5 - tail.length);
  const shown = what.length <= room ? what : PATH_FIRST.has(c.view.kind) ? `…${what.slice(what.length - room + 1)}` : `${what.slice(0, room - 1)}…`;
  const line = `${p(`${BOLD};${YELLOW}`, head)}  ${shown} ${mark}${tail ? ` ${p(c.result?.isError ? RED : DIM, tail)}` : ''}`;
  const out = [line];
  if (c.subagent) {
    const here = o.exists?.(c.subagent.timeline) ?? true;
    // The name is never cut (it is to be copied): on a line of its own when the line would not fit.
    const name = safe(c.subagent.timeline);
    const one = `    ↳ subagent: ${here ? `agentlog show ${name}` : `${name} (not in this store)`}`;
    if (one.length <= o.width) out.push(p(BLUE, one));
    else out.push(p(BLUE, `    ↳ subagent${here ? '' : ' (not in this store)'}:`), ...wrap(name, o.width, '      ', '      ').map((l) => p(BLUE, l)));
  }
  if (o.full) pushAll(out, detailLines(c, o, p));
  return out;
}

/** What a call does, in one line. */
function viewLine(v: ToolView): string {
  switch (v.kind) {
    case 'shell':
      return `$ ${firstLine(v.command)}${v.command.includes('\n') ? ' …' : ''}`;
    case 'edit': {
      const counts = v.edits.reduce(
        (n, e) => {
          const d = lineDiff(e.old, e.new, 0);
          return { add: n.add + d.filter((l) => l.op === '+').length, del: n.del + d.filter((l) => l.op === '-').length };
        },
        { add: 0, del: 0 },
      );
      return `${v.path}  +${counts.add} −${counts.del}${v.edits.length > 1 ? ` (${v.edits.length} edits)` : ''}`;
    }
    case 'write':
      return `${v.path}  (${lines(v.content)} lines)`;
    case 'patch':
      return (
        v.files
          .map((f) => `${f.op === 'add' ? 'A' : f.op === 'delete' ? 'D' : 'M'} ${f.path}${f.moveTo ? ` → ${f.moveTo}` : ''} +${f.added} −${f.removed}`)
          .join(', ') || 'patch'
      );
    case 'read':
      return `${v.path}${v.offset !== undefined ? `:${v.offset}` : ''}${v.limit !== undefined ? ` (${v.limit} lines)` : ''}`;
    case 'search':
      return `${v.pattern}${v.path ? ` in ${v.path}` : ''}${v.glob ? ` (${v.glob})` : ''}`;
    case 'web':
      return v.query ?? v.url ?? '';
    case 'todo': {
      const mark = (s: string) => (s === 'completed' ? '✓' : s === 'in_progress' ? '▸' : '○');
      return `${v.items.length} items: ${v.items.map((i) => `${mark(i.status)} ${i.text}`).join(', ')}`;
    }
    case 'agent':
      return `${v.agentType ? `${v.agentType}: ` : ''}${v.description || firstLine(v.prompt)}`;
    case 'generic':
      return oneJson(v.input);
  }
}

function resultSummary(r: ToolResult, v?: ToolView): string {
  const bits: string[] = [];
  if (r.exitCode !== undefined && r.exitCode !== 0) bits.push(`exit ${r.exitCode}`);
  else if (r.isError) bits.push('error');
  const n = lines(r.text);
  // A file written or edited: the mark says it; the tool's sentence adds nothing.
  if (!r.isError && (v?.kind === 'edit' || v?.kind === 'write' || v?.kind === 'patch') && n <= 1) return bits.join(' · ');
  if (r.text.trim() === '') bits.push(r.images > 0 ? '' : 'no output');
  else if (n === 1 || r.isError || v?.kind === 'agent') bits.push(safe(firstLine(r.text.trim())));
  else bits.push(`${n} lines`);
  if (r.images > 0) bits.push(`${r.images} image${r.images > 1 ? 's' : ''}`);
  return bits.filter(Boolean).join(' · ');
}

/** Under a call with `full`: the command, the diff or the content, then the result in full. */
function detailLines(c: ToolCall, o: ShowOptions, p: Paint): string[] {
  const out: string[] = [];
  const v = c.view;
  const block = (text: string, code?: string) => wrap(safe(text), o.width, '    │ ', '    │ ').map((l) => (code ? p(code, l) : l));
  if (v.kind === 'shell' && v.command.includes('\n')) pushAll(out, block(v.command, DIM));
  else if (v.kind === 'edit')
    for (const e of v.edits) for (const d of lineDiff(e.old, e.new)) pushAll(out, block(`${d.op}${d.text}`, d.op === '+' ? GREEN : d.op === '-' ? RED : DIM));
  else if (v.kind === 'patch') for (const l of v.patch.split('\n')) pushAll(out, block(l, l.startsWith('+') ? GREEN : l.startsWith('-') ? RED : DIM));
  else if (v.kind === 'write') pushAll(out, block(v.content, GREEN));
  else if (v.kind === 'agent') pushAll(out, block(v.prompt, DIM));
  else if (v.kind === 'todo')
    for (const i of v.items) pushAll(out, block(`[${i.status === 'completed' ? 'x' : i.status === 'in_progress' ? '>' : ' '}] ${i.text}`));
  else if (v.kind === 'generic') pushAll(out, block(oneJson(v.input), DIM));
  if (c.result && c.result.text !== '') {
    out.push(p(DIM, '    ╰─ result'));
    pushAll(
      out,
      wrap(safe(c.result.text), o.width, '      ', '      ').map((l) => (c.result?.isError ? p(RED, l) : l)),
    );
  }
  return out;
}

/** Hidden records in order, a run of the same label on one line. */
function groupHidden(hidden: Hidden[]): (Hidden & { n: number; lastSeq: number })[] {
  const out: (Hidden & { n: number; lastSeq: number })[] = [];
  for (const h of hidden) {
    const last = out[out.length - 1];
    if (last && last.label === h.label && last.why === h.why) {
      last.n++;
      last.lastSeq = h.ref.seq;
    } else out.push({ ...h, n: 1, lastSeq: h.ref.seq });
  }
  return out;
}

function hiddenLines(h: Hidden & { n: number; lastSeq: number }, o: ShowOptions, p: Paint): string[] {
  const at = h.n === 1 ? `#${h.ref.seq}` : `#${h.ref.seq}–${h.lastSeq}`;
  const what = h.why === 'copy' ? `copy: ${h.label}` : h.label;
  const line = p(DIM, cut(`  · ${safe(what)}${h.n > 1 ? ` ×${h.n}` : ''}  ${at}`, o.width));
  if (h.why === 'reminder' && h.text && o.full) return [line, ...wrap(safe(h.text), o.width, '    ', '    ').map((l) => p(DIM, l))];
  return [line];
}

/** `attachment ×10, token_count ×3`: labels by their first word, in order of first appearance. */
function hiddenSummary(hidden: Hidden[]): string {
  const groups = new Map<string, number>();
  for (const h of hidden) {
    const key = h.why === 'copy' ? 'copies' : h.why === 'reminder' ? 'reminders' : h.label.split(' ')[0];
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([k, n]) => (n === 1 ? k : `${k} ×${n}`)).join(', ');
}

/** Push every item (a spread would overflow the stack on a million lines). */
function pushAll(out: string[], items: readonly string[]): void {
  for (const x of items) out.push(x);
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

function painter(color: boolean): Paint {
  return color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
}

/**
 * `text` in lines of at most `width` columns: the first line starts with `first`, the others with
 * `rest`; words are kept whole where they fit, a longer word is broken. Linear in the text.
 */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
  const out: string[] = [];
  const lines = text.trimEnd().split('\n');
  for (let li = 0; li < lines.length; li++) {
    let line = lines[li].replace(/\t/g, '  ');
    let prefix = out.length === 0 ? first : rest;
    const room = () => Math.max(10, width - prefix.length);
    if (line.length <= room()) {
      out.push(prefix + line);
      continue;
    }
    while (line.length > room()) {
      const r = room();
      let cutAt = line.lastIndexOf(' ', r);
      if (cutAt < r / 2) cutAt = r;
      out.push(prefix + line.slice(0, cutAt).trimEnd());
      line = line.slice(cutAt).replace(/^ +/, '');
      prefix = rest;
    }
    if (line !== '') out.push(prefix + line);
  }
  return out;
}

/** `text` cut to `width` columns with an ellipsis. */
function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
}

function firstLine(text: string): string {
  const t = text.trimStart();
  const nl = t.indexOf('\n');
  return nl < 0 ? t.slice(0, 1000) : t.slice(0, Math.min(nl, 1000));
}

function moreChars(text: string): string {
  return text.length > firstLine(text).length + 1 ? `  (${text.length.toLocaleString('en-US')} chars)` : '';
}

/** The number of lines of a text (a final newline does not start one). Linear, no copy. */
function lines(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`;
}

function oneJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `<${x.length} bytes>` : x))?.slice(0, 2000) ?? '';
  } catch {
    return '';
  }
}

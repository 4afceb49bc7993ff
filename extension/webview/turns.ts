/**
 * A turn as the panel draws it (runs in the webview): a card with the prompt, the agent's steps —
 * thinking and text as sanitised markdown, each tool call with its result inside, shown as its kind
 * (a command and its output, a diff, a path, a todo list, a subagent) — its answer, and the records
 * hidden by default, counted. Every string from an event is inserted as text or through `markdown`.
 * A long output shows its start and a button that opens the whole in an editor: never cut, never a
 * scroll box inside the page. Paths, diffs, subagents and raw records are asked of the host by seq
 * and block; the page never builds a path or a command from session text.
 */
import type { WebviewMessage } from '../shared/protocol.js';
import type { ImageVM, ResultVM, StepVM, TextVM, TurnVM } from '../shared/turnView.js';

/** Lines of an output or a file shown in a card; the whole opens in an editor. */
export const SHOWN_LINES = 40;

export interface TurnDeps {
  send(m: WebviewMessage): void;
  markdown(text: string): Node;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(cls: string, label: string, title: string, act: () => void): HTMLButtonElement {
  const b = el('button', cls, label);
  b.title = title;
  b.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    act();
  });
  return b;
}

function link(label: string, title: string, act: () => void): HTMLAnchorElement {
  const a = el('a', 'link', label);
  a.href = '#';
  a.title = title;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    act();
  });
  return a;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function renderTurn(t: TurnVM, d: TurnDeps): HTMLElement {
  const art = el('article', `turn${t.errors ? ' has-error' : ''}`);
  art.dataset.first = String(t.first);
  art.dataset.last = String(t.last);
  const head = el('div', 'turn-head');
  if (t.continued) head.append(el('span', 'continued', '↑ continues the turn above'));
  const time = el('time', 'ts', new Date(t.ts).toLocaleString());
  time.dateTime = new Date(t.ts).toISOString();
  head.append(time);
  if (t.model) head.append(el('span', 'model', t.model));
  if (t.calls) head.append(el('span', 'calls', count(t.calls, 'tool call')));
  if (t.errors) head.append(el('span', 'badge error', count(t.errors, 'error')));
  head.append(el('span', 'seqs', t.first === t.last ? `#${t.first}` : `#${t.first}–${t.last}`));
  if (t.hidden.length) {
    const toggle = button('hidden-toggle', `${count(t.hidden.length, 'hidden record')}`, 'Show or hide the bookkeeping records of this turn', () => {
      art.classList.toggle('open-hidden');
    });
    head.append(toggle);
  }
  art.append(head);
  if (t.prompt) art.append(renderPrompt(t.prompt, d));
  const steps = el('div', 'steps');
  for (const s of t.steps) steps.append(renderStep(s, d));
  if (t.steps.length) art.append(steps);
  if (t.answer) {
    const a = el('div', 'answer');
    a.dataset.seq = String(t.answer.seq);
    a.append(textBlock(t.answer.text, t.answer.seq, t.answer.block, d));
    art.append(a);
  }
  if (t.hidden.length) {
    const list = el('div', 'hidden-list');
    for (const h of t.hidden) {
      const row = el('div', `hidden-item why-${h.why}`);
      row.dataset.seq = String(h.seq);
      row.append(el('span', 'label', h.label), el('span', 'kind', h.kind), el('span', 'seq', `#${h.seq}`));
      row.append(link('raw', 'Open this record as it is stored', () => d.send({ type: 'openDoc', seq: h.seq, part: 'raw' })));
      list.append(row);
    }
    art.append(list);
  }
  return art;
}

function renderPrompt(p: NonNullable<TurnVM['prompt']>, d: TurnDeps): HTMLElement {
  const box = el('div', `prompt prompt-${p.kind}`);
  box.dataset.seq = String(p.seq);
  const who = p.kind === 'user' ? 'You' : p.kind === 'notification' ? 'Task notification' : 'Command';
  box.append(el('div', 'who', who));
  if (p.kind === 'user') box.append(textBlock(p.text, p.seq, p.block, d));
  else box.append(el('div', 'line', p.text.text));
  for (const i of p.images) box.append(renderImage(i));
  return box;
}

/** A text as markdown, with a button for the whole when only its start came. */
function textBlock(t: TextVM, seq: number, block: number | undefined, d: TurnDeps): Node {
  const wrap = el('div', 'text');
  wrap.append(d.markdown(t.text));
  if (t.cut) wrap.append(openWhole(t, 'text', () => d.send({ type: 'openDoc', seq, block, part: 'text' })));
  return wrap;
}

function openWhole(t: TextVM, what: string, act: () => void): HTMLElement {
  return button(
    'secondary open-whole',
    `Open the whole ${what} (${count(t.lines, 'line')}, ${count(t.chars, 'character')})`,
    'Opens in an editor, read-only',
    act,
  );
}

function renderImage(i: ImageVM): HTMLElement {
  if (!i.src) return el('div', 'image-missing', `[image ${i.mediaType}, ${i.bytes.toLocaleString('en')} bytes, not shown]`);
  const img = el('img', 'image');
  img.alt = `image ${i.mediaType}`;
  img.src = i.src;
  img.dataset.seq = String(i.seq);
  return img;
}

function renderStep(s: StepVM, d: TurnDeps): HTMLElement {
  switch (s.t) {
    case 'text': {
      const e = el('div', 'step text-step');
      e.dataset.seq = String(s.seq);
      e.append(textBlock(s.text, s.seq, s.block, d));
      return e;
    }
    case 'thinking': {
      const e = fold('step thinking', 'Thinking', firstLine(plainMarkdown(s.text.text)));
      e.dataset.seq = String(s.seq);
      e.append(textBlock(s.text, s.seq, s.block, d));
      return e;
    }
    case 'image': {
      const e = el('div', 'step image-step');
      e.dataset.seq = String(s.image.seq);
      e.append(renderImage(s.image));
      return e;
    }
    case 'notice': {
      const e = s.text && s.text.chars > 0 ? fold(`step notice notice-${s.kind}`, s.label, '') : el('div', `step notice notice-${s.kind}`, s.label);
      e.dataset.seq = String(s.seq);
      if (s.text && s.text.chars > 0) e.append(plain(s.text, s.seq, s.block, 'text', d));
      return e;
    }
    case 'result': {
      const e = fold(`step tool orphan${s.result.isError ? ' error' : ''}`, 'result', `of call ${s.callId || '(no id)'}`);
      e.dataset.seq = String(s.seq);
      e.append(renderResult(s.result, d));
      return e;
    }
    case 'tool':
      return renderTool(s, d);
  }
}

function renderTool(s: Extract<StepVM, { t: 'tool' }>, d: TurnDeps): HTMLElement {
  const r = s.result;
  const e = fold(`step tool view-${s.view.kind}${r?.isError ? ' error' : ''}`, s.name, s.summary);
  e.dataset.seq = String(s.seq);
  if (s.block !== undefined) e.dataset.block = String(s.block);
  const summary = e.querySelector('summary')!;
  summary.append(el('span', `status ${r ? (r.isError ? 'failed' : 'ok') : 'pending'}`, r ? statusText(r) : 'no result'));
  // What the call asked for, by its kind; a diff or a file opens in an editor, at the host's hand.
  const block = s.block ?? 0;
  const body = el('div', 'call');
  const v = s.view;
  const pathLink = (p: string, file?: number) =>
    link(p, 'Open this file (inside the session’s folder)', () => d.send({ type: 'openPath', seq: s.seq, block, ...(file !== undefined ? { file } : {}) }));
  const diffButton = (file?: number) =>
    button('secondary open-diff', 'Open diff', 'Open the change in VS Code’s diff editor', () =>
      d.send({ type: 'openDiff', seq: s.seq, block, ...(file !== undefined ? { file } : {}) }),
    );
  switch (v.kind) {
    case 'shell': {
      if (v.description) body.append(el('div', 'description', v.description));
      body.append(plain(v.command, s.seq, block, 'input', d, 'command', '$ '));
      break;
    }
    case 'edit': {
      const row = el('div', 'path-row');
      row.append(pathLink(v.path), diffButton());
      if (v.edits > 1) row.append(el('span', 'note', `${v.edits} edits`));
      body.append(row);
      const pre = el('pre', 'plain diff');
      for (const line of v.diff) pre.append(el('span', line.op === '+' ? 'add' : line.op === '-' ? 'del' : 'ctx', `${line.op} ${line.text}\n`));
      body.append(pre);
      if (v.diffCut) body.append(el('div', 'note', 'The diff goes on: Open diff shows all of it.'));
      break;
    }
    case 'write': {
      const row = el('div', 'path-row');
      row.append(pathLink(v.path), diffButton());
      body.append(row, plain(v.content, s.seq, block, 'input', d, 'content'));
      break;
    }
    case 'patch': {
      const list = el('div', 'files');
      v.files.forEach((f, i) => {
        const row = el('div', 'path-row');
        row.append(
          el('span', `op op-${f.op}`, f.op),
          pathLink(f.moveTo ? `${f.path} → ${f.moveTo}` : f.path, i),
          el('span', 'add', `+${f.added}`),
          el('span', 'del', `−${f.removed}`),
          diffButton(i),
        );
        list.append(row);
      });
      body.append(list);
      break;
    }
    case 'read': {
      const row = el('div', 'path-row');
      row.append(pathLink(v.path));
      if (v.offset !== undefined || v.limit !== undefined)
        row.append(el('span', 'note', `lines ${v.offset ?? 1}${v.limit !== undefined ? `, ${v.limit} of them` : ''}`));
      body.append(row);
      break;
    }
    case 'search':
      body.append(el('div', 'line', `${v.pattern}${v.path ? ` in ${v.path}` : ''}${v.glob ? ` (${v.glob})` : ''}`));
      break;
    case 'web':
      body.append(el('div', 'line', [v.query, v.url, v.prompt].filter(Boolean).join(' · ')));
      break;
    case 'todo': {
      if (v.explanation) body.append(el('div', 'description', v.explanation));
      const ul = el('ul', 'todo');
      for (const it of v.items)
        ul.append(
          el('li', `todo-${it.status.replace(/[^a-z_]/gi, '')}`, `${it.status === 'completed' ? '☑' : it.status === 'in_progress' ? '◐' : '☐'} ${it.text}`),
        );
      body.append(ul);
      break;
    }
    case 'agent': {
      const row = el('div', 'path-row');
      row.append(el('span', 'description', `${v.agentType ? `${v.agentType}: ` : ''}${v.description}`));
      if (s.subagent) {
        const sub = s.subagent;
        row.append(button('open-subagent', 'Open the subagent’s timeline', sub, () => d.send({ type: 'openTimeline', timeline: sub, seq: null })));
      }
      body.append(row, textBlock(v.prompt, s.seq, block, d));
      break;
    }
    case 'generic':
      body.append(plain(v.input, s.seq, block, 'input', d, 'input'));
      break;
  }
  e.append(body);
  if (r) e.append(renderResult(r, d));
  return e;
}

function statusText(r: ResultVM): string {
  if (r.exitCode !== undefined) return r.exitCode === 0 ? 'exit 0' : `exit ${r.exitCode}`;
  return r.isError ? 'error' : r.output.chars ? count(r.output.lines, 'line') : 'done';
}

function renderResult(r: ResultVM, d: TurnDeps): HTMLElement {
  const box = el('div', `result${r.isError ? ' error' : ''}`);
  box.dataset.seq = String(r.seq);
  if (r.output.chars) box.append(plain(r.output, r.seq, r.block, 'output', d, 'output'));
  else box.append(el('div', 'note', r.images ? '' : '(no output)'));
  if (r.images) box.append(el('div', 'note', `${count(r.images, 'image')} in the result`));
  return box;
}

/** Text as it is (an output, a command, a file): its first SHOWN_LINES lines, the whole on demand. */
function plain(t: TextVM, seq: number, block: number | undefined, part: 'input' | 'output' | 'text', d: TurnDeps, what = 'text', lead = ''): HTMLElement {
  const wrap = el('div', 'plain-wrap');
  let shown = t.text;
  let lines = 0;
  for (let i = shown.indexOf('\n'); i >= 0; i = shown.indexOf('\n', i + 1)) {
    if (++lines >= SHOWN_LINES) {
      shown = shown.slice(0, i);
      break;
    }
  }
  wrap.append(el('pre', 'plain', lead + shown));
  if (shown.length < t.chars) wrap.append(openWhole(t, what, () => d.send({ type: 'openDoc', seq, block, part })));
  return wrap;
}

function fold(cls: string, label: string, summary: string): HTMLDetailsElement {
  const e = el('details', cls);
  const s = el('summary');
  s.append(el('span', 'label', label));
  if (summary) s.append(el('span', 'line', summary));
  e.append(s);
  return e;
}

/** Markdown's emphasis and code marks taken out, for a one-line summary drawn as plain text (the body is rendered markdown). */
export function plainMarkdown(s: string): string {
  return s
    .slice(0, 400)
    .replace(/(\*\*|__|`)/g, '')
    .replace(/^#{1,6} /gm, '');
}

function firstLine(s: string): string {
  const line = s.slice(0, 400).replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

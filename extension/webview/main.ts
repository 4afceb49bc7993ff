/**
 * The session panel's page (runs in the webview, bundled as an IIFE). Every string from an event is
 * inserted as text; markdown goes through markdown-it with raw HTML disabled and then DOMPurify,
 * which keeps only http(s) and mailto links. The page holds a window of events: the newest page at
 * first, older pages when scrolled to the top.
 */
import DOMPurify from 'dompurify';
import { drawFileMarks, setFileMarks, workspaceButtons } from './workspaceMarks.js';
import MarkdownIt from 'markdown-it';
import type { HeaderVM, HostMessage, PanelState, RenderedState, WebviewMessage } from '../shared/protocol.js';
import type { BlockVM, ItemVM } from '../shared/transcript.js';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; setState(s: unknown): void; getState(): unknown };

const vscode = acquireVsCodeApi();
const send = (m: WebviewMessage) => vscode.postMessage(m);

/** Longer texts are shown as plain text: markdown on megabytes would stall the page. */
const MARKDOWN_LIMIT = 100_000;
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });
const SAFE_URI = /^(?:https?:|mailto:)/i;
md.validateLink = (url: string) => SAFE_URI.test(url.trim());

function markdown(text: string): Node {
  const div = el('div', 'md');
  if (text.length > MARKDOWN_LIMIT) {
    div.append(el('pre', 'plain', text));
    return div;
  }
  const html = DOMPurify.sanitize(md.render(text), {
    ALLOWED_URI_REGEXP: SAFE_URI,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math', 'img'],
    FORBID_ATTR: ['style'],
    RETURN_DOM_FRAGMENT: true,
  });
  div.append(html);
  for (const a of div.querySelectorAll('a')) {
    a.setAttribute('title', a.getAttribute('href') ?? '');
    a.setAttribute('rel', 'noreferrer noopener');
  }
  return div;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- layout ------------------------------------------------------------------------------------

const app = document.getElementById('app')!;
const header = el('header', 'top');
const titleEl = el('h1', 'title');
const metaEl = el('div', 'meta');
const pastEl = el('div', 'past');
const travel = el('div', 'travel');
const slider = el('input', 'slider');
slider.type = 'range';
slider.min = '0';
slider.setAttribute('aria-label', 'Time travel: view the session as of an event');
const pointEl = el('span', 'point');
const newestBtn = el('button', 'secondary newest', 'Newest');
newestBtn.title = 'Follow the newest event';
travel.append(
  slider,
  pointEl,
  newestBtn,
  workspaceButtons(send, () => head?.viewSeq),
);
header.append(titleEl, metaEl, travel, pastEl);

const list = el('main', 'events');
const olderBtn = el('button', 'secondary older', 'Load earlier events');
const items = el('div', 'items');
const pending = el('div', 'pending');
const approvals = el('div', 'approvals');
list.append(olderBtn, items, pending, approvals);

const composer = el('footer', 'composer');
const errorEl = el('div', 'error-banner');
errorEl.setAttribute('role', 'alert');
const input = el('textarea', 'input');
input.rows = 3;
const sendBtn = el('button', 'send', 'Send');
const stopBtn = el('button', 'secondary stop', 'Stop');
const buttons = el('div', 'buttons');
buttons.append(sendBtn, stopBtn);
const row = el('div', 'row');
row.append(input, buttons);
composer.append(errorEl, row);
app.append(header, list, composer);

// ---- state -------------------------------------------------------------------------------------

let head: HeaderVM | undefined;
let hasOlder = false;
let firstSeq = 0;
let lastSeq = -1;
let streaming = false;
let streamEl: HTMLElement | undefined;
let streamText = '';
let streamHead = '';
let status = '';
let error = '';
let loadingOlder = false;
let fileMarksDrawn = 0;

function setHeader(h: HeaderVM) {
  head = h;
  titleEl.textContent = h.title;
  metaEl.textContent = `${h.timeline} · ${h.tipSeq + 1} events · ${h.store}`;
  slider.max = String(Math.max(0, h.tipSeq));
  slider.value = String(h.viewSeq);
  slider.disabled = h.tipSeq <= 0;
  pointEl.textContent = `#${h.viewSeq} of #${h.tipSeq}`;
  newestBtn.hidden = !h.past;
  document.body.classList.toggle('in-past', h.past);
  pastEl.hidden = !h.past && !h.followsHead;
  pastEl.textContent = h.past
    ? `Viewing the past: as of event #${h.viewSeq} (the newest is #${h.tipSeq})${h.followsHead ? ', the store’s checked-out commit' : ''}. Sending a message forks here.`
    : h.followsHead
      ? 'Following the store’s checked-out commit.'
      : '';
  input.placeholder = h.past ? `Resume from event #${h.viewSeq} (makes a fork) — ${h.model}` : `Message ${h.model} (Ctrl+Enter to send)`;
  vscode.setState({ store: h.store, timeline: h.timeline, seq: h.past ? h.viewSeq : null } satisfies PanelState);
}

function renderItem(it: ItemVM): HTMLElement {
  const art = el('article', `event kind-${safeClass(it.kind)} role-${safeClass(it.role)}${it.error ? ' is-error' : ''}`);
  art.dataset.seq = String(it.seq);
  art.dataset.cid = it.cid;
  const bar = el('div', 'bar');
  const toolResults = it.blocks.length > 0 && it.blocks.every((b) => b.t === 'tool_result');
  bar.append(el('span', 'who', it.kind !== 'message' ? it.kind : toolResults ? 'tool result' : it.role));
  if (it.actor && it.actor !== it.role) bar.append(el('span', 'actor', it.actor));
  bar.append(el('span', 'seq', `#${it.seq}`));
  const time = el('time', 'ts', new Date(it.ts).toLocaleString());
  time.dateTime = new Date(it.ts).toISOString();
  bar.append(time);
  if (it.error) bar.append(el('span', 'badge error', 'error'));
  const actions = el('span', 'actions');
  for (const [label, title, act] of [
    ['View here', 'See the session as of this event', () => send({ type: 'travel', seq: it.seq })],
    ['Fork here', 'Make a new timeline that ends at this event', () => send({ type: 'fork', seq: it.seq })],
    ['Resume here', 'Continue as the agent from this event (forks when it is in the past)', () => resumeHere(it.seq)],
    ['Copy CID', it.cid, () => send({ type: 'copyCid', seq: it.seq })],
    ['Copy link', 'Copy a link that opens this event', () => send({ type: 'copyLink', seq: it.seq })],
  ] as const) {
    const b = el('button', 'action', label);
    b.title = title;
    b.dataset.action = label;
    b.addEventListener('click', act);
    actions.append(b);
  }
  bar.append(actions);
  art.append(bar);
  if (!it.blocks.length) art.append(el('div', 'summary', it.summary));
  for (const b of it.blocks) art.append(renderBlock(b));
  return art;
}

function renderBlock(b: BlockVM): Node {
  switch (b.t) {
    case 'markdown':
      return markdown(b.text);
    case 'thinking':
      return fold('thinking', 'Thinking', b.summary, el('pre', 'plain', b.text));
    case 'tool_use':
      return fold('tool-use', `→ ${b.name}`, b.summary, el('pre', 'plain', b.input));
    case 'tool_result':
      return fold(`tool-result${b.isError ? ' error' : ''}`, b.isError ? '← error' : '← result', b.summary, el('pre', 'plain', b.text));
    case 'image': {
      if (!b.src) return el('div', 'image-missing', `[image ${b.mediaType}, ${b.bytes} bytes, not shown]`);
      const img = el('img', 'image');
      img.alt = `image ${b.mediaType}`;
      img.src = b.src;
      return img;
    }
    case 'raw':
      return fold('raw', b.label, '', el('pre', 'plain', b.text));
  }
}

function fold(cls: string, label: string, summary: string, body: Node): HTMLElement {
  const d = el('details', `fold ${cls}`);
  const s = el('summary');
  s.append(el('span', 'label', label));
  if (summary) s.append(el('span', 'line', summary));
  d.append(s, body);
  return d;
}

function safeClass(s: string): string {
  return s.replace(/[^a-z0-9_-]/gi, '_').slice(0, 40);
}

function resumeHere(seq: number) {
  if (!head || seq !== head.viewSeq) send({ type: 'travel', seq });
  input.focus();
}

function report() {
  const state: RenderedState = {
    count: items.children.length,
    firstSeq,
    lastSeq,
    viewSeq: head?.viewSeq ?? -1,
    tipSeq: head?.tipSeq ?? -1,
    past: head?.past ?? false,
    streaming,
    error,
    approvals: approvals.children.length,
    run: streaming ? streamHead : '',
    status,
    fileMarks: fileMarksDrawn,
  };
  send({ type: 'rendered', state });
}

function atBottom(): boolean {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
}

function setError(message: string) {
  error = message;
  errorEl.textContent = message;
  errorEl.hidden = !message;
}

function setStatus(text: string) {
  status = text;
  const line = streamEl?.querySelector('.status');
  if (line) line.textContent = text;
}

/** The pending item of the step under way: what the model streams before it is appended. */
function newStreamItem() {
  streamText = '';
  pending.replaceChildren();
  streamEl = el('article', 'event role-assistant pending-item');
  streamEl.append(el('div', 'bar', `${streamHead} (working…)`), el('div', 'status', status), el('pre', 'plain stream', ''));
  pending.append(streamEl);
}

function setStreaming(on: boolean) {
  streaming = on;
  sendBtn.disabled = on;
  stopBtn.hidden = !on;
}

// ---- messages from the host --------------------------------------------------------------------

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'reset': {
      if (!streaming) setError('');
      setHeader(m.header);
      items.replaceChildren(...m.items.map(renderItem));
      firstSeq = m.items[0]?.seq ?? 0;
      lastSeq = m.items[m.items.length - 1]?.seq ?? -1;
      hasOlder = m.hasOlder;
      olderBtn.hidden = !hasOlder;
      loadingOlder = false;
      const target = m.reveal !== undefined ? items.querySelector<HTMLElement>(`[data-seq="${m.reveal}"]`) : null;
      if (target && m.reveal !== m.header.viewSeq) {
        target.classList.add('revealed');
        target.scrollIntoView({ block: 'center' });
      } else list.scrollTop = list.scrollHeight;
      break;
    }
    case 'older': {
      const before = list.scrollHeight;
      items.prepend(...m.items.map(renderItem));
      firstSeq = m.items[0]?.seq ?? firstSeq;
      hasOlder = m.hasOlder;
      olderBtn.hidden = !hasOlder;
      loadingOlder = false;
      list.scrollTop += list.scrollHeight - before;
      break;
    }
    case 'append': {
      const stick = atBottom();
      setHeader(m.header);
      items.append(...m.items.map(renderItem));
      if (m.items.length) lastSeq = m.items[m.items.length - 1].seq;
      if (stick || streaming) list.scrollTop = list.scrollHeight;
      break;
    }
    case 'header':
      setHeader(m.header);
      break;
    case 'streamStart': {
      setError('');
      setStreaming(true);
      streamHead = `agent · ${m.model} · ${m.workspace}`;
      setStatus('');
      newStreamItem();
      list.scrollTop = list.scrollHeight;
      break;
    }
    case 'streamDelta': {
      streamText += m.text;
      const pre = streamEl?.querySelector('.stream');
      if (pre) pre.textContent = streamText;
      if (atBottom()) list.scrollTop = list.scrollHeight;
      break;
    }
    case 'streamTool': {
      streamText += `${streamText && !streamText.endsWith('\n') ? '\n' : ''}→ ${m.name}\n`;
      const pre = streamEl?.querySelector('.stream');
      if (pre) pre.textContent = streamText;
      break;
    }
    case 'streamStep':
      // What streamed is an event in the list now: the pending item starts again for the next step.
      if (streaming) newStreamItem();
      break;
    case 'streamStatus':
      setStatus(m.text);
      break;
    case 'approve': {
      const card = el('article', 'event approval');
      card.dataset.id = String(m.id);
      const allow = el('button', 'allow', 'Allow');
      const deny = el('button', 'secondary deny', 'Deny');
      for (const [b, ok] of [
        [allow, true],
        [deny, false],
      ] as const) {
        b.addEventListener('click', () => {
          allow.disabled = deny.disabled = true;
          send({ type: 'approval', id: m.id, allow: ok });
        });
      }
      const row = el('div', 'approval-buttons');
      row.append(allow, deny);
      card.append(el('div', 'bar', `the agent asks to run ${m.name}`), el('pre', 'plain', m.detail), row);
      approvals.append(card);
      list.scrollTop = list.scrollHeight;
      break;
    }
    case 'approvalEnd':
      approvals.querySelector(`[data-id="${m.id}"]`)?.remove();
      break;
    case 'streamEnd': {
      setStreaming(false);
      pending.replaceChildren();
      approvals.replaceChildren();
      streamEl = undefined;
      setStatus('');
      if (m.outcome !== 'failed') input.value = '';
      if (m.outcome === 'failed') setError(`The run failed: ${m.error ?? 'unknown error'}. Every step before it is in the log.`);
      if (m.outcome === 'stopped') setError('Stopped after the current step; every step is in the log.');
      if (m.outcome === 'max-steps') setError('The run reached its step limit; send a message to go on.');
      break;
    }
    case 'fileMarks':
      fileMarksDrawn = setFileMarks(m.marks, items);
      break;
  }
  if (m.type === 'reset' || m.type === 'older' || m.type === 'append') fileMarksDrawn = drawFileMarks(items);
  report();
});

// ---- user actions ------------------------------------------------------------------------------

slider.addEventListener('change', () => {
  const seq = Number(slider.value);
  send({ type: 'travel', seq: head && seq >= head.tipSeq ? null : seq });
});
slider.addEventListener('input', () => {
  if (head) pointEl.textContent = `#${slider.value} of #${head.tipSeq}`;
});
newestBtn.addEventListener('click', () => send({ type: 'travel', seq: null }));
const loadOlder = () => {
  if (!hasOlder || loadingOlder) return;
  loadingOlder = true;
  send({ type: 'loadOlder', beforeSeq: firstSeq });
};
olderBtn.addEventListener('click', loadOlder);
list.addEventListener('scroll', () => {
  if (list.scrollTop < 200) loadOlder();
});
const submit = () => {
  const text = input.value;
  if (!text.trim() || streaming) return;
  send({ type: 'send', text });
};
sendBtn.addEventListener('click', submit);
stopBtn.addEventListener('click', () => send({ type: 'stop' }));
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submit();
  }
});

setError('');
setStreaming(false);
newestBtn.hidden = true;
pastEl.hidden = true;
olderBtn.hidden = true;
send({ type: 'ready' });

/**
 * The session panel's page (runs in the webview, bundled as an IIFE). Every string from an event is
 * inserted as text; markdown goes through markdown-it with raw HTML disabled and then DOMPurify,
 * which keeps only http(s) and mailto links. The page holds a window of whole turns (turns.ts draws
 * one): the newest page at first, older pages when scrolled to the top.
 */
import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import type { HeaderVM, HostMessage, PanelState, RenderedState, WebviewMessage } from '../shared/protocol.js';
import type { TurnVM } from '../shared/turnView.js';
import { el, renderTurn, type TurnDeps } from './turns.js';
import { drawFileMarks, setFileMarks, workspaceButtons } from './workspaceMarks.js';
import { drawFindings, setFindings, showStats } from './findings.js';

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
// Fork points as ticks on the slider (a datalist) and as marks in the transcript.
const forkTicks = el('datalist');
forkTicks.id = 'fork-ticks';
slider.setAttribute('list', forkTicks.id);
const hiddenBtn = el('button', 'secondary show-hidden', 'Show hidden');
hiddenBtn.title = 'Show or hide the bookkeeping records (hidden by default; each stays one click from its raw form)';
travel.append(
  slider,
  forkTicks,
  pointEl,
  newestBtn,
  hiddenBtn,
  workspaceButtons(send, () => head?.viewSeq),
);
const statsEl = el('div', 'stats');
statsEl.hidden = true;
const familyEl = el('div', 'family');
const goneEl = el('div', 'gone');
goneEl.setAttribute('role', 'alert');
header.append(titleEl, metaEl, statsEl, familyEl, travel, pastEl, goneEl);

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
let showHidden = false;
let fileMarksDrawn = 0;
let findingsDrawn = 0;
const deps: TurnDeps = { send, markdown };

function setHeader(h: HeaderVM) {
  head = h;
  titleEl.textContent = h.title;
  metaEl.textContent = h.gone ? `${h.timeline} · ${h.store}` : `${h.agent ? `${h.agent} · ` : ''}${h.timeline} · ${h.tipSeq + 1} events · ${h.store}`;
  familyEl.replaceChildren();
  if (h.forkOf) {
    const { timeline, seq } = h.forkOf;
    familyEl.append(
      'Forked from ',
      linkTo(timeline, `Open ${timeline} at event #${seq}`, () => send({ type: 'openTimeline', timeline, seq })),
      ' at event ',
      linkTo(`#${seq}`, `Open ${timeline} at event #${seq}`, () => send({ type: 'openTimeline', timeline, seq })),
    );
  } else if (h.startedBy) {
    const by = h.startedBy;
    familyEl.append(
      'Subagent of ',
      linkTo(by, `Open ${by}`, () => send({ type: 'openTimeline', timeline: by, seq: null })),
    );
  }
  familyEl.hidden = !familyEl.childNodes.length;
  forkTicks.replaceChildren(...(h.forks ?? []).map((f) => Object.assign(el('option'), { value: String(f.seq), label: f.timeline })));
  goneEl.textContent = h.gone ?? '';
  goneEl.hidden = !h.gone;
  travel.hidden = !!h.gone;
  input.disabled = sendBtn.disabled = !!h.gone || streaming;
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
  input.placeholder = h.gone
    ? 'Nothing to send to: the timeline is gone.'
    : h.past
      ? `Resume from event #${h.viewSeq} (makes a fork) — ${h.model}`
      : `Message ${h.model} (Ctrl+Enter to send)`;
  vscode.setState({ store: h.store, timeline: h.timeline, seq: h.past ? h.viewSeq : null } satisfies PanelState);
}

function linkTo(label: string, title: string, act: () => void): HTMLAnchorElement {
  const a = el('a', 'link', label);
  a.href = '#';
  a.title = title;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    act();
  });
  return a;
}

/** A turn card, with a mark where a fork leaves this timeline inside it. */
function drawTurn(t: TurnVM): HTMLElement {
  const card = renderTurn(t, deps);
  for (const f of head?.forks ?? []) {
    if (f.seq < t.first || f.seq > t.last) continue;
    const mark = el('div', 'fork-mark');
    mark.dataset.fork = f.timeline;
    mark.append(
      '⑂ ',
      linkTo(f.timeline, `Open the fork ${f.timeline}`, () => send({ type: 'openTimeline', timeline: f.timeline, seq: null })),
      ` leaves here, after event #${f.seq}`,
    );
    const at = [...card.querySelectorAll<HTMLElement>('[data-seq]')].filter((x) => Number(x.dataset.seq) <= f.seq).at(-1);
    const top = at?.closest('.steps > *, .prompt, .answer') ?? at;
    if (top?.parentElement) top.after(mark);
    else card.append(mark);
  }
  return card;
}

// One bar of actions, moved to the event under the pointer: View here, Fork here, Resume here, Copy CID, Copy link, Raw.
const actions = el('span', 'actions');
let actionSeq = -1;
for (const [label, title, act] of [
  ['View here', 'See the session as of this event', () => send({ type: 'travel', seq: actionSeq })],
  ['Fork here', 'Make a new timeline that ends at this event', () => send({ type: 'fork', seq: actionSeq })],
  ['Resume here', 'Continue as the agent from this event (forks when it is in the past)', () => resumeHere(actionSeq)],
  ['Copy CID', 'Copy the content id of this event', () => send({ type: 'copyCid', seq: actionSeq })],
  ['Copy link', 'Copy a link that opens this event (by its CID and timeline)', () => send({ type: 'copyLink', seq: actionSeq })],
  ['Raw', 'Open this event as it is stored', () => send({ type: 'openDoc', seq: actionSeq, part: 'raw' })],
] as const) {
  const b = el('button', 'action', label);
  b.title = title;
  b.dataset.action = label;
  b.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    act();
  });
  actions.append(b);
}
items.addEventListener('mouseover', (e) => {
  const target = (e.target as HTMLElement).closest<HTMLElement>('[data-seq]');
  if (!target || actions.contains(e.target as Node)) return;
  actionSeq = Number(target.dataset.seq);
  actions.title = `event #${actionSeq}`;
  const bar = target.querySelector(':scope > summary, :scope > .who') ?? target;
  if (actions.parentElement !== bar) bar.append(actions);
});

/** The element of an event: a step, a prompt, a result, or else the turn that holds it (its hidden records opened). */
function revealTarget(seq: number): HTMLElement | null {
  const exact = items.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
  if (exact) {
    const card = exact.closest<HTMLElement>('.turn');
    if (exact.closest('.hidden-list')) card?.classList.add('open-hidden');
    const fold = exact.closest('details');
    if (fold) fold.open = true;
    return exact;
  }
  return [...items.children].find(
    (c) => Number((c as HTMLElement).dataset.first) <= seq && seq <= Number((c as HTMLElement).dataset.last),
  ) as HTMLElement | null;
}

function resumeHere(seq: number) {
  if (!head || seq !== head.viewSeq) send({ type: 'travel', seq });
  input.focus();
}

function report() {
  const state: RenderedState = {
    count: lastSeq - firstSeq + 1,
    turns: items.children.length,
    calls: items.querySelectorAll('.step.tool').length,
    hidden: items.querySelectorAll('.hidden-item').length,
    showHidden,
    forkMarks: forkTicks.children.length + items.querySelectorAll('.fork-mark').length,
    gone: head?.gone ?? '',
    canSend: !sendBtn.disabled,
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
    findings: findingsDrawn,
    stats: statsEl.hidden ? '' : (statsEl.textContent ?? ''),
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
  sendBtn.disabled = on || !!head?.gone;
  stopBtn.hidden = !on;
}

// ---- messages from the host --------------------------------------------------------------------

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'reset': {
      if (!streaming) setError('');
      setHeader(m.header);
      items.replaceChildren(...m.turns.map(drawTurn));
      firstSeq = m.firstSeq;
      lastSeq = m.lastSeq;
      hasOlder = m.hasOlder;
      olderBtn.hidden = !hasOlder;
      loadingOlder = false;
      const target = m.reveal !== undefined ? revealTarget(m.reveal) : null;
      if (target && m.reveal !== m.header.viewSeq) {
        target.classList.add('revealed');
        target.scrollIntoView({ block: 'center' });
      } else list.scrollTop = list.scrollHeight;
      break;
    }
    case 'older': {
      const before = list.scrollHeight;
      items.prepend(...m.turns.map(drawTurn));
      firstSeq = m.firstSeq;
      hasOlder = m.hasOlder;
      olderBtn.hidden = !hasOlder;
      loadingOlder = false;
      list.scrollTop += list.scrollHeight - before;
      break;
    }
    case 'append': {
      const stick = atBottom();
      setHeader(m.header);
      // The turns from `from` on come again whole (the last one may have grown): replace them.
      for (const card of [...items.children] as HTMLElement[]) if (Number(card.dataset.first) >= m.from) card.remove();
      items.append(...m.turns.map(drawTurn));
      lastSeq = m.lastSeq;
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
    case 'findings':
      findingsDrawn = setFindings(m.findings, items, send);
      break;
    case 'stats':
      showStats(statsEl, m.stats);
      break;
  }
  if (m.type === 'reset' || m.type === 'older' || m.type === 'append') {
    fileMarksDrawn = drawFileMarks(items);
    findingsDrawn = drawFindings(items, send);
  }
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
hiddenBtn.addEventListener('click', () => {
  showHidden = !showHidden;
  document.body.classList.toggle('show-hidden', showHidden);
  hiddenBtn.textContent = showHidden ? 'Hide hidden' : 'Show hidden';
  report();
});
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

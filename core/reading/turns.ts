import { blocksOf, textOf, type ContentBlock, type Event } from '../event/event.js';
import { CLAUDE_FORMAT } from '../formats/claude/records.js';
import { CODEX_FORMAT } from '../formats/codex/records.js';
import { describeRecord } from '../formats/describe.js';
import { sourceOf } from '../formats/source.js';
import { classifyUserText, commandLine, notificationLine } from './classify.js';
import { resultOf } from './results.js';
import { toolView } from './toolViews.js';
import type { Hidden, Prompt, Reading, Ref, SessionHeader, Step, ToolCall, Turn } from './types.js';

/**
 * The reading model: a timeline's events as a person reads a session — turns, each a prompt, the
 * agent's steps and its answer — for every presenter (`agentlog show`, its `--json`, the VS Code
 * panel). This folder owns that reading: which user texts open a turn (a person's prompt, a
 * `<task-notification>`, a slash command) and which are the harness's (reminders, context,
 * interruptions: classify.ts); tool calls paired with their results by call id, a result that
 * started a subagent linked to its timeline; known tools as typed views (toolViews.ts, results.ts,
 * diff.ts); the agents' bookkeeping records (core/formats/describe.ts says which) and Codex's copies
 * of a message hidden by default, counted, each kept with its ref. Every event lands in exactly one
 * place (the header, a turn's prompt, step, call, result, answer or hidden list) with its seq, so
 * its raw form stays one lookup away. One pass, linear in the events; a turn holds only its own
 * events' pieces (strings are shared with the events, not copied). Plain data only: no terminal
 * escapes, no HTML.
 */
export function readTurns(events: Iterable<Event>): Reading {
  const reading: Reading = { turns: [], events: 0, calls: 0, unanswered: 0, hidden: 0 };
  const calls = new Map<string, ToolCall>();
  let turn: Turn | undefined;
  let prompts = 0;

  const close = () => {
    if (!turn) return;
    settleAnswer(turn);
    reading.turns.push(turn);
    turn = undefined;
  };
  const current = (e: Event): Turn => {
    if (!turn) turn = { index: 0, steps: [], hidden: [], first: e.seq, last: e.seq, ts: e.ts };
    turn.last = e.seq;
    return turn;
  };
  const open = (e: Event, prompt: Prompt) => {
    close();
    prompts++;
    turn = { index: prompts, prompt, steps: [], hidden: [], first: e.seq, last: e.seq, ts: e.ts };
  };
  const hide = (e: Event, h: Hidden) => {
    current(e).hidden.push(h);
    reading.hidden++;
  };

  for (const e of events) {
    reading.events++;
    const ref: Ref = { seq: e.seq };
    if (e.kind === 'session' && e.seq === 0) {
      reading.session = header(e);
      continue;
    }
    if (e.kind === 'message') {
      if (typeof e.model === 'string') current(e).model = e.model;
      if (e.role === 'user') userMessage(e);
      else if (e.role === 'assistant') assistantMessage(e);
      else systemMessage(e);
      continue;
    }
    const described = describeRecord(e);
    if (described) {
      const source = sourceOf(e, CODEX_FORMAT);
      if (source?.sameAs !== undefined || (e.kind === 'codex.event_msg' && COPIES.has(described.label)))
        hide(e, { ref, kind: e.kind, label: described.label, why: 'copy' });
      else if (e.kind === 'codex.turn_aborted' || (e.kind === 'codex.event_msg' && described.label === 'turn_aborted'))
        current(e).steps.push({ type: 'notice', ref, kind: 'interrupted', label: 'turn aborted' });
      else if (described.quiet) hide(e, { ref, kind: e.kind, label: described.label, why: 'bookkeeping' });
      else
        current(e).steps.push({
          type: 'notice',
          ref,
          kind: e.kind === 'claude.summary' ? 'summary' : 'record',
          label: described.label,
          ...(described.detail ? { text: described.detail } : {}),
        });
      continue;
    }
    current(e).steps.push(noticeOf(e, ref));
  }
  close();
  for (const c of calls.values()) if (!c.result) reading.unanswered++;
  return reading;

  function userMessage(e: Event): void {
    const blocks = blocksOf(e.content);
    const record = sourceOf(e, CLAUDE_FORMAT)?.record;
    if (record?.isCompactSummary === true) {
      current(e).steps.push({ type: 'notice', ref: { seq: e.seq }, kind: 'summary', label: 'summary of the conversation before', text: textOf(e.content) });
      return;
    }
    // Does this message open a turn? A person's text, a task notification or a slash command does.
    let opener: Prompt | undefined;
    if (record?.isMeta !== true) {
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (b.type !== 'text' || typeof b.text !== 'string') continue;
        const what = classifyUserText(b.text);
        if (what === 'prompt' || what === 'notification' || what === 'command') {
          if (!opener) {
            const kind = what === 'prompt' ? 'user' : what;
            const text = what === 'command' ? commandLine(b.text) : what === 'notification' ? notificationLine(b.text) : b.text;
            opener = { ref: { seq: e.seq, block: i }, kind, text, images: [] };
          } else if (what === 'prompt' && opener.kind === 'user') opener.text += `\n\n${b.text}`;
        }
      }
    }
    if (opener) open(e, opener);
    const t = current(e);
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      const ref: Ref = { seq: e.seq, block: i };
      if (opener && i === opener.ref.block) continue;
      if (b.type === 'tool_result') {
        result(e, b, ref);
      } else if (b.type === 'text' && typeof b.text === 'string') {
        const what = record?.isMeta === true ? 'context' : classifyUserText(b.text);
        if (what === 'prompt' && opener?.kind === 'user') continue; // joined into the prompt
        if (what === 'reminder') {
          hide(e, { ref, kind: e.kind, label: 'system reminder', why: 'reminder', text: b.text });
        } else if (what === 'interrupted') t.steps.push({ type: 'notice', ref, kind: 'interrupted', label: 'interrupted by the user', text: b.text });
        else if (what === 'command-output') t.steps.push({ type: 'notice', ref, kind: 'command', label: 'command output', text: b.text });
        else if (what === 'context') t.steps.push({ type: 'notice', ref, kind: 'context', label: 'context', text: b.text });
        else if (what === 'notification') t.steps.push({ type: 'notice', ref, kind: 'notification', label: notificationLine(b.text), text: b.text });
        else if (what === 'command') t.steps.push({ type: 'notice', ref, kind: 'command', label: commandLine(b.text), text: b.text });
        else t.steps.push({ type: 'notice', ref, kind: 'context', label: 'text', text: b.text });
      } else if (b.type === 'image' || b.type === 'input_image') {
        const image = { ref, mediaType: mediaTypeOf(b), bytes: bytesOf(b) };
        if (opener) opener.images.push(image);
        else t.steps.push({ type: 'image', ...image });
      } else t.steps.push({ type: 'notice', ref, kind: 'record', label: `[${b.type}]` });
    }
    if (blocks.length === 0) t.steps.push({ type: 'notice', ref: { seq: e.seq }, kind: 'record', label: 'empty message' });
  }

  function assistantMessage(e: Event): void {
    const t = current(e);
    const blocks = blocksOf(e.content);
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      const ref: Ref = { seq: e.seq, block: i };
      if (b.type === 'text' && typeof b.text === 'string') t.steps.push({ type: 'text', ref, text: b.text });
      else if (b.type === 'thinking' || b.type === 'redacted_thinking') t.steps.push({ type: 'thinking', ref, text: str(b.thinking) ?? '' });
      else if (b.type === 'reasoning') t.steps.push({ type: 'thinking', ref, text: reasoningSummary(b.summary) });
      else if (b.type === 'tool_use') {
        const id = str(b.id) ?? '';
        const name = str(b.name) ?? 'tool';
        const call: ToolCall = { ref, id, name, input: b.input, view: toolView(name, b.input) };
        reading.calls++;
        if (id !== '' && !calls.has(id)) calls.set(id, call);
        t.steps.push({ type: 'tool', call });
      } else if (b.type === 'tool_result') result(e, b, ref);
      else if (b.type === 'image') t.steps.push({ type: 'image', ref, mediaType: str(b.media_type) ?? '', bytes: bytesOf(b) });
      else t.steps.push({ type: 'notice', ref, kind: 'record', label: `[${b.type}]` });
    }
    if (blocks.length === 0) t.steps.push({ type: 'notice', ref: { seq: e.seq }, kind: 'record', label: 'empty message' });
  }

  function systemMessage(e: Event): void {
    const text = textOf(e.content);
    const what = classifyUserText(text);
    current(e).steps.push({ type: 'notice', ref: { seq: e.seq }, kind: what === 'context' ? 'context' : 'system', label: String(e.role ?? 'system'), text });
  }

  /** A tool_result block: into its call (wherever that is), else a step of its own. */
  function result(e: Event, b: ContentBlock, ref: Ref): void {
    const id = str(b.tool_use_id) ?? '';
    const call = id === '' ? undefined : calls.get(id);
    if (call && !call.result) {
      call.result = resultOf(b, ref, call.view);
      const sub = e.subagent as Record<string, unknown> | undefined;
      if (sub && typeof sub === 'object' && typeof sub.timeline === 'string') call.subagent = { timeline: sub.timeline };
      // The result is in its call's turn; this event still counts as read in the current one.
      current(e);
      return;
    }
    current(e).steps.push({ type: 'result', callId: id, result: resultOf(b, ref) });
  }
}

/** Codex's event_msg types that repeat a message, its reasoning or the prompt for the UI. */
const COPIES = new Set(['user_message', 'agent_message', 'agent_reasoning', 'agent_reasoning_raw_content']);

/** The last text of a turn, when only notices follow it, is its answer (out of its steps). */
function settleAnswer(t: Turn): void {
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const s = t.steps[i];
    if (s.type === 'notice') continue;
    if (s.type === 'text') {
      t.answer = { ref: s.ref, text: s.text };
      t.steps.splice(i, 1);
    }
    return;
  }
}

function noticeOf(e: Event, ref: Ref): Step {
  switch (e.kind) {
    case 'compaction':
      return { type: 'notice', ref, kind: 'compaction', label: 'compaction', text: str(e.summary) ?? textOf(e.content) };
    case 'note':
      return { type: 'notice', ref, kind: 'note', label: 'note', text: str(e.text) ?? textOf(e.content) };
    case 'model':
      return { type: 'notice', ref, kind: 'model', label: `model → ${str(e.model) ?? str(e.provider) ?? '?'}${str(e.api) ? ` (${str(e.api)})` : ''}` };
    case 'checkpoint':
      return { type: 'notice', ref, kind: 'checkpoint', label: `checkpoint ${str(e.tree) ?? str(e.label) ?? ''}`.trim() };
    case 'interrupt':
      return { type: 'notice', ref, kind: 'interrupted', label: `interrupted${str(e.reason) ? ` (${str(e.reason)})` : ''}` };
    default:
      return { type: 'notice', ref, kind: 'record', label: e.kind };
  }
}

function header(e: Event): SessionHeader {
  const agent = obj(e.agent);
  const parent = obj(e.parent);
  const h: SessionHeader = { ref: { seq: e.seq } };
  if (str(e.title)) h.title = str(e.title);
  if (str(agent.name)) h.agent = str(agent.name);
  if (str(agent.version)) h.version = str(agent.version);
  if (str(e.model)) h.model = str(e.model);
  if (str(e.cwd)) h.cwd = str(e.cwd);
  const timeline = str(parent.timeline);
  if (timeline) {
    h.parent = { timeline };
    if (str(parent.tool_use_id)) h.parent.toolUseId = str(parent.tool_use_id);
    if (str(parent.agentId)) h.parent.agentId = str(parent.agentId);
  }
  return h;
}

/** An image block's media type: agentlog's `media_type`, Claude's `source.media_type`, Codex's data URL. */
function mediaTypeOf(b: ContentBlock): string {
  const url = typeof b.image_url === 'string' ? /^data:([\w.+-]+\/[\w.+-]+)[;,]/.exec(b.image_url.slice(0, 200))?.[1] : undefined;
  return str(b.media_type) ?? str(obj(b.source).media_type) ?? url ?? '';
}

/** An image's size in bytes: its bytes, or what a base64 data URL or source holds. */
function bytesOf(b: ContentBlock): number {
  if (b.data instanceof Uint8Array) return b.data.length;
  const base64 = typeof b.image_url === 'string' ? b.image_url : typeof obj(b.source).data === 'string' ? (obj(b.source).data as string) : '';
  const comma = base64.startsWith('data:') ? base64.indexOf(',') + 1 : 0;
  return Math.floor(((base64.length - comma) * 3) / 4);
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The summary an OpenAI Responses reasoning item carries (agentlog run keeps it as a `reasoning` block): its texts, joined. */
function reasoningSummary(summary: unknown): string {
  return Array.isArray(summary) ? summary.filter((t): t is string => typeof t === 'string').join('\n') : '';
}

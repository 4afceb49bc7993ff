// The context budget: the folded conversation cut so that the request stays under a number of tokens,
// estimated cheaply as the request's UTF-8 bytes / 4 (an image counts as IMAGE_TOKENS, not its base64).
// Kept: the system prompt, the first user message and the most recent turns; dropped: whole older
// turns, an assistant message always with the message that answers its tool calls (so no tool result
// is left without its call), replaced by one note in the first message saying how many events were
// left out. Over the budget, a block longer than the per-block cap (text, a tool result, a string in
// a tool call's input) is clipped in its middle with a marker. A pure function of the conversation and the budget:
// the same log gives the same request.

import { AgentlogError } from '../errors.js';
import type { Api, Block, Conversation, Message } from './context.js';

export const BYTES_PER_TOKEN = 4;
/** What an image is counted as (about what a 1.15-megapixel image costs at Anthropic). */
export const IMAGE_TOKENS = 1600;
/** The budget when none is given: well under each API's usual context window, as bytes/4 undercounts code and JSON. */
export const DEFAULT_MAX_CONTEXT: Record<Api, number> = { anthropic: 150_000, openai: 100_000, responses: 200_000 };
/** The smallest a block is clipped to. */
const MIN_CAP = 256;

/** How an API's request grows: its bytes with no messages, and what one message adds at most. */
export interface Sizer {
  fixed(system: string[]): number;
  message(m: Message): number;
}

/** What the budget did to a request (recorded with the answer when it cut anything). */
export interface Fit {
  /** The budget, in estimated tokens. */
  max_tokens: number;
  /** The request's estimated tokens. */
  tokens: number;
  /** Events of the log left out of the request (whole older turns). */
  omitted_events: number;
  /** Blocks clipped in their middle. */
  clipped_blocks: number;
}

export function fitConversation(c: Conversation, maxTokens: number, size: Sizer): { conversation: Conversation; fit: Fit } {
  const budget = maxTokens * BYTES_PER_TOKEN;
  const fixed = size.fixed(c.system);
  if (fixed > budget)
    throw new AgentlogError(
      'E_INPUT',
      `the system prompt and the tools alone take about ${tokens(fixed)} tokens, more than the context budget of ${maxTokens} (raise --max-context-tokens)`,
    );
  const measure = (m: Message) => measured(m, size);
  const totalEvents = c.messages.reduce((n, m) => n + (m.events ?? 0), 0);
  // A conversation under the budget goes as it is: nothing clipped, nothing left out.
  const as = fixed + sum(c.messages.map(measure));
  if (as <= budget) return done(c.system, c.messages, { omitted: 0, clipped: 0, bytes: as });
  let smallest = 0;
  for (let cap = Math.max(MIN_CAP, Math.floor(budget / 16)); cap >= MIN_CAP; cap = Math.floor(cap / 2)) {
    const clips = new Map<Message, number>();
    const messages = c.messages.map((m) => clipMessage(m, cap, clips));
    const clipped = (ms: Message[]) => sum(ms.map((m) => clips.get(m) ?? 0));
    const whole = fixed + sum(messages.map(measure));
    if (whole <= budget) return done(c.system, messages, { omitted: 0, clipped: clipped(messages), bytes: whole });
    if (messages.length < 2) {
      smallest = whole;
      continue;
    }
    const [first, ...rest] = messages;
    const units = unitsOf(rest);
    const costs = units.map((u) => sum(u.map(measure)));
    // The note's cost with the largest count it can say, so that the real one is never bigger.
    let room = budget - fixed - measure(withNote(first, totalEvents, maxTokens));
    let k = units.length;
    while (k > 0 && costs[k - 1] <= room) room -= costs[--k];
    for (; k < units.length; k++) {
      const kept = units.slice(k).flat();
      const omitted = sum(units.slice(0, k).flatMap((u) => u.map((m) => m.events ?? 0)));
      const head = withNote(first, omitted, maxTokens);
      const out = kept[0]?.role === 'user' ? [{ ...head, content: [...head.content, ...kept[0].content] }, ...kept.slice(1)] : [head, ...kept];
      const bytes = fixed + sum(out.map(measure));
      if (bytes <= budget) return done(c.system, out, { omitted, clipped: clipped([first, ...kept]), bytes });
    }
    smallest = fixed + measure(withNote(first, totalEvents, maxTokens)) + costs[costs.length - 1];
  }
  throw new AgentlogError(
    'E_INPUT',
    `the context budget of ${maxTokens} tokens is too small for the first message and the last step of this session (about ${tokens(smallest)} tokens with every block clipped to ${MIN_CAP} characters): raise --max-context-tokens`,
  );

  function done(system: string[], messages: Message[], r: { omitted: number; clipped: number; bytes: number }) {
    return {
      conversation: { system, messages },
      fit: { max_tokens: maxTokens, tokens: tokens(r.bytes), omitted_events: r.omitted, clipped_blocks: r.clipped },
    };
  }
}

function tokens(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

function sum(xs: number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}

/** What a message adds to the request, an image counted as IMAGE_TOKENS instead of its bytes. */
function measured(m: Message, size: Sizer): number {
  let images = 0;
  const strip = (b: Block): Block => {
    if (b.type === 'image') {
      images++;
      return { ...b, data: '' };
    }
    if (b.type === 'tool_result' && typeof b.content !== 'string') return { ...b, content: b.content.map(strip) };
    return b;
  };
  return size.message({ ...m, content: m.content.map(strip) }) + images * IMAGE_TOKENS * BYTES_PER_TOKEN;
}

/**
 * The conversation after its first message cut into what is dropped or kept whole: an assistant
 * message with the user message that answers its tool calls (its results come first in it), else a
 * message alone.
 */
function unitsOf(messages: Message[]): Message[][] {
  const units: Message[][] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const next = messages[i + 1];
    if (m.role === 'assistant' && next?.role === 'user' && next.content[0]?.type === 'tool_result') {
      units.push([m, next]);
      i++;
    } else units.push([m]);
  }
  return units;
}

function withNote(first: Message, omitted: number, maxTokens: number): Message {
  if (!omitted) return first;
  const note = `[${omitted} earlier event${omitted === 1 ? ' of this session is' : 's of this session are'} left out here, to keep the request under ${maxTokens} tokens]`;
  return { ...first, content: [...first.content, { type: 'text', text: note }] };
}

/** The message with its long texts clipped; `clips` gets how many, for a message that changed. */
function clipMessage(m: Message, cap: number, clips: Map<Message, number>): Message {
  let n = 0;
  const text = (t: string): string => {
    const c = clipText(t, cap);
    if (c !== t) n++;
    return c;
  };
  const block = (b: Block): Block => {
    if (b.type === 'text') return { type: 'text', text: text(b.text) };
    if (b.type === 'tool_use') return { ...b, input: clipStrings(b.input, text) as Record<string, unknown> };
    if (b.type === 'tool_result') return { ...b, content: typeof b.content === 'string' ? text(b.content) : b.content.map(block) };
    return b;
  };
  const content = m.content.map(block);
  if (!n) return m;
  const out = { ...m, content };
  clips.set(out, n);
  return out;
}

function clipStrings(v: unknown, text: (t: string) => string): unknown {
  if (typeof v === 'string') return text(v);
  if (Array.isArray(v)) return v.map((x) => clipStrings(x, text));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = clipStrings(x, text);
    return o;
  }
  return v;
}

/** A text longer than `cap` characters as its first two thirds and last third of `cap`, a marker between. */
export function clipText(t: string, cap: number): string {
  if (t.length <= cap) return t;
  let head = Math.floor((cap * 2) / 3);
  let tail = t.length - (cap - head);
  if (isHigh(t.charCodeAt(head - 1))) head--;
  if (isLow(t.charCodeAt(tail))) tail++;
  return `${t.slice(0, head)}\n[… ${tail - head} characters clipped …]\n${t.slice(tail)}`;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

// One model call: the conversation fitted to the context budget (fit.ts), the request sent, the
// streamed answer read whole (or not at all), retried on 429, 5xx, a network error or a stream cut
// short, after the wait the service asks for (retry-after) when it names one; a 401 or another 4xx
// ends the run at once. The three wires (Anthropic Messages, OpenAI chat completions, OpenAI
// Responses) are one table: WIRES.

import { AgentlogError } from '../errors.js';
import { anthropicMessage, anthropicRequest, readAnthropic } from './anthropic.js';
import type { Api, Block, Conversation, Message } from './context.js';
import { DEFAULT_MAX_CONTEXT, type Fit, fitConversation } from './fit.js';
import { openaiMessages, openaiRequest, readOpenai } from './openai.js';
import { readResponses, responsesItems, responsesRequest } from './responses.js';
import type { ToolSpec } from './tools.js';

/** One API's wire: where it is posted, the request, one message's share of it (for the budget), the answer read. */
interface Wire {
  path: string;
  request(config: ModelConfig, c: Conversation, tools: readonly ToolSpec[]): string;
  pieces(m: Message): unknown[];
  read(body: ReadableStream<Uint8Array>, where: string, sink?: StreamSink): Promise<Answer>;
  /** The provider's own key variable. */
  keyVar: string;
}

const WIRES: Record<Api, Wire> = {
  anthropic: { path: '/messages', request: anthropicRequest, pieces: (m) => [anthropicMessage(m)], read: readAnthropic, keyVar: 'ANTHROPIC_API_KEY' },
  openai: { path: '/chat/completions', request: openaiRequest, pieces: openaiMessages, read: readOpenai, keyVar: 'OPENAI_API_KEY' },
  responses: { path: '/responses', request: responsesRequest, pieces: responsesItems, read: readResponses, keyVar: 'OPENAI_API_KEY' },
};

/** The environment variable that holds an API's key (after AGENTLOG_API_KEY). */
export function keyVarOf(api: Api): string {
  return WIRES[api].keyVar;
}

export interface ModelConfig {
  api: Api;
  model: string;
  /** The service's base URL (e.g. https://api.anthropic.com); `/v1/...` is added unless it ends in `/v1`. */
  endpoint: string;
  key?: string;
  maxTokens: number;
  /** The context budget in estimated tokens (default: DEFAULT_MAX_CONTEXT of the API). */
  maxContextTokens?: number;
}

/** A whole answer: the blocks to append (thinking kept with its signature), why it stopped, its token usage. */
export interface Answer {
  content: AnswerBlock[];
  stopReason: string;
  usage: Record<string, number>;
  id?: string;
  model?: string;
  /** What the context budget left out or clipped, when it did. */
  context?: Fit;
}

export type AnswerBlock =
  | Extract<Block, { type: 'text' | 'tool_use' }>
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'reasoning'; id: string; summary: string[]; encrypted_content?: string };

export interface StreamSink {
  text?(delta: string): void;
  tool?(name: string): void;
}

export interface CallOptions {
  sink?: StreamSink;
  /** Delay before retry n (0-based); default 1 s, 2 s, 4 s, 8 s, 16 s. */
  retryDelayMs?: (attempt: number) => number;
  retries?: number;
  /** Told of each retry, with why. */
  onRetry?: (why: string, attempt: number, delayMs: number) => void;
}

/** Thrown inside one attempt when trying again may help; `afterMs`: the wait the service asked for. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

export const DEFAULT_ENDPOINT: Record<Api, string> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com',
  responses: 'https://api.openai.com',
};

/** The longest wait a retry-after may ask for; a longer one ends the run (say when to try again). */
export const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;

export function urlOf(config: ModelConfig): string {
  const base = config.endpoint.replace(/\/+$/, '');
  const v1 = base.endsWith('/v1') ? base : `${base}/v1`;
  return `${v1}${WIRES[config.api].path}`;
}

/** The request body sent for this conversation: fitted to the budget, then encoded for the API. */
export function requestOf(config: ModelConfig, conversation: Conversation, tools: readonly ToolSpec[]): { body: string; fit: Fit } {
  const wire = WIRES[config.api];
  const { conversation: fitted, fit } = fitConversation(conversation, config.maxContextTokens ?? DEFAULT_MAX_CONTEXT[config.api], {
    fixed: (system) => Buffer.byteLength(wire.request(config, { system, messages: [] }, tools)),
    message: (m) => Buffer.byteLength(JSON.stringify(wire.pieces(m))),
  });
  return { body: wire.request(config, fitted, tools), fit };
}

/** The request parameters recorded with the answer (not the prompt: that is the log itself). */
export function requestParams(config: ModelConfig, tools: readonly ToolSpec[]): Record<string, unknown> {
  return {
    api: config.api,
    model: config.model,
    max_tokens: config.maxTokens,
    stream: true,
    tools: tools.map((t) => t.name),
    max_context_tokens: config.maxContextTokens ?? DEFAULT_MAX_CONTEXT[config.api],
  };
}

export async function callModel(config: ModelConfig, conversation: Conversation, tools: readonly ToolSpec[], options: CallOptions = {}): Promise<Answer> {
  const url = urlOf(config);
  const { body, fit } = requestOf(config, conversation, tools);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (config.api === 'anthropic') {
    headers['anthropic-version'] = '2023-06-01';
    if (config.key) headers['x-api-key'] = config.key;
  } else if (config.key) headers.authorization = `Bearer ${config.key}`;
  const retries = options.retries ?? 5;
  const delay = options.retryDelayMs ?? ((n: number) => 1000 * 2 ** n);
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await attemptOnce(url, headers, body, config, options.sink);
      return fit.omitted_events || fit.clipped_blocks ? { ...answer, context: fit } : answer;
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (attempt >= retries) throw new AgentlogError('E_MODEL', `${url}: ${e.message}; gave up after ${attempt + 1} attempts`, { url });
      const ms = e.afterMs ?? delay(attempt);
      options.onRetry?.(e.message, attempt + 1, ms);
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

async function attemptOnce(url: string, headers: Record<string, string>, body: string, config: ModelConfig, sink?: StreamSink): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Retryable(`cannot reach the model: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 500);
    if (res.status === 429 || res.status >= 500) {
      const why = `the model's service answered ${res.status}${text ? `: ${oneLine(text)}` : ''}`;
      const after = retryAfterMs(res.headers, Date.now());
      if (after !== undefined && after > MAX_RETRY_AFTER_MS)
        throw new AgentlogError('E_MODEL', `${url}: ${why}; it asks to wait ${Math.ceil(after / 1000)} s before trying again: run again later`, {
          url,
          status: res.status,
        });
      throw new Retryable(why, after);
    }
    const hint =
      res.status === 401 || res.status === 403
        ? ` (the key was refused: set AGENTLOG_API_KEY or ${WIRES[config.api].keyVar}, or git config agentlog.apiKey)`
        : '';
    throw new AgentlogError('E_MODEL', `${url}: the model's service answered ${res.status}${hint}${text ? `: ${oneLine(text)}` : ''}`, {
      url,
      status: res.status,
    });
  }
  if (!res.body) throw new Retryable('the answer has no body');
  try {
    return await WIRES[config.api].read(res.body, url, sink);
  } catch (e) {
    if (e instanceof AgentlogError && e.data.retry !== true) throw e;
    // A stream cut short (the connection dropped, an `overloaded` error event): the half answer is dropped.
    throw new Retryable(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The wait a 429 or 5xx asks for, in ms: `retry-after-ms` (OpenAI), else `retry-after` in seconds or
 * as an HTTP date (RFC 9110 §10.2.3); undefined when neither is there or readable.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const v = headers.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

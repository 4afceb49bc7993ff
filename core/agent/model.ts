// One model call: the request sent, the streamed answer read whole (or not at all), retried on 429,
// 5xx, a network error or a stream cut short; a 401 or another 4xx ends the run at once.

import { AgentlogError } from '../errors.js';
import { anthropicRequest, readAnthropic } from './anthropic.js';
import type { Api, Block, Conversation } from './context.js';
import { openaiRequest, readOpenai } from './openai.js';
import type { ToolSpec } from './tools.js';

export interface ModelConfig {
  api: Api;
  model: string;
  /** The service's base URL (e.g. https://api.anthropic.com); `/v1/...` is added unless it ends in `/v1`. */
  endpoint: string;
  key?: string;
  maxTokens: number;
}

/** A whole answer: the blocks to append (thinking kept with its signature), why it stopped, its token usage. */
export interface Answer {
  content: AnswerBlock[];
  stopReason: string;
  usage: Record<string, number>;
  id?: string;
  model?: string;
}

export type AnswerBlock = Extract<Block, { type: 'text' | 'tool_use' }> | { type: 'thinking'; thinking: string; signature?: string };

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

/** Thrown inside one attempt when trying again may help. */
class Retryable extends Error {}

export const DEFAULT_ENDPOINT: Record<Api, string> = { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com' };

export function urlOf(config: ModelConfig): string {
  const base = config.endpoint.replace(/\/+$/, '');
  const v1 = base.endsWith('/v1') ? base : `${base}/v1`;
  return `${v1}${config.api === 'anthropic' ? '/messages' : '/chat/completions'}`;
}

/** The request parameters recorded with the answer (not the prompt: that is the log itself). */
export function requestParams(config: ModelConfig, tools: readonly ToolSpec[]): Record<string, unknown> {
  return { api: config.api, model: config.model, max_tokens: config.maxTokens, stream: true, tools: tools.map((t) => t.name) };
}

export async function callModel(config: ModelConfig, conversation: Conversation, tools: readonly ToolSpec[], options: CallOptions = {}): Promise<Answer> {
  const url = urlOf(config);
  const body = config.api === 'anthropic' ? anthropicRequest(config, conversation, tools) : openaiRequest(config, conversation, tools);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (config.api === 'anthropic') {
    headers['anthropic-version'] = '2023-06-01';
    if (config.key) headers['x-api-key'] = config.key;
  } else if (config.key) headers.authorization = `Bearer ${config.key}`;
  const retries = options.retries ?? 5;
  const delay = options.retryDelayMs ?? ((n: number) => 1000 * 2 ** n);
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptOnce(url, headers, body, config, options.sink);
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (attempt >= retries) throw new AgentlogError('E_MODEL', `${url}: ${e.message}; gave up after ${attempt + 1} attempts`, { url });
      const ms = delay(attempt);
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
    if (res.status === 429 || res.status >= 500) throw new Retryable(`the model's service answered ${res.status}${text ? `: ${oneLine(text)}` : ''}`);
    const hint =
      res.status === 401 || res.status === 403
        ? ` (the key was refused: set AGENTLOG_API_KEY or ${config.api === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY'}, or git config agentlog.apiKey)`
        : '';
    throw new AgentlogError('E_MODEL', `${url}: the model's service answered ${res.status}${hint}${text ? `: ${oneLine(text)}` : ''}`, {
      url,
      status: res.status,
    });
  }
  if (!res.body) throw new Retryable('the answer has no body');
  try {
    const answer = config.api === 'anthropic' ? await readAnthropic(res.body, url, sink) : await readOpenai(res.body, url, sink);
    return answer;
  } catch (e) {
    if (e instanceof AgentlogError && e.data.retry !== true) throw e;
    // A stream cut short (the connection dropped, an `overloaded` error event): the half answer is dropped.
    throw new Retryable(e instanceof Error ? e.message : String(e));
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

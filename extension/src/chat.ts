/**
 * Streaming chat with a configured endpoint: the OpenAI chat-completions API or the Anthropic
 * messages API, over fetch and server-sent events. No VS Code here (the language-model API lives in
 * extension.ts), so vitest runs it against a local scripted server.
 */
import type { ChatMessage } from '../shared/context.js';

export type ChatApi = 'openai' | 'anthropic';

export interface ChatRequest {
  api: ChatApi;
  /** Base URL: `…/v1` (we add `/chat/completions` or `/messages`) or the full endpoint URL. */
  endpoint: string;
  model: string;
  key?: string;
  messages: ChatMessage[];
  signal?: AbortSignal;
  onDelta: (text: string) => void;
  maxTokens?: number;
}

/** A streamed answer; throws ChatError on an HTTP error, an error event or a broken stream. */
export type Chat = (req: Omit<ChatRequest, 'api' | 'endpoint' | 'key'>) => Promise<string>;

export class ChatError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export async function streamChat(req: ChatRequest): Promise<string> {
  const url = endpointUrl(req.api, req.endpoint);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  let body: unknown;
  if (req.api === 'openai') {
    if (req.key) headers.authorization = `Bearer ${req.key}`;
    body = { model: req.model, stream: true, messages: req.messages };
  } else {
    if (req.key) headers['x-api-key'] = req.key;
    headers['anthropic-version'] = '2023-06-01';
    const system = req.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    body = {
      model: req.model,
      stream: true,
      max_tokens: req.maxTokens ?? 4096,
      ...(system ? { system } : {}),
      messages: req.messages.filter((m) => m.role !== 'system'),
    };
  }
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: req.signal });
  } catch (e) {
    if (req.signal?.aborted) throw e;
    throw new ChatError(`cannot reach ${url}: ${(e as Error).cause ? String((e as Error & { cause: unknown }).cause) : (e as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new ChatError(`${url} answered ${res.status} ${res.statusText}${text ? `: ${errorText(text)}` : ''}`, res.status);
  }
  if (!res.body) throw new ChatError(`${url} sent no body`);
  let answer = '';
  let finished = false;
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') {
      finished = true;
      break;
    }
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data) as Record<string, unknown>;
    } catch {
      throw new ChatError(`${url} sent a malformed event: ${data.slice(0, 200)}`);
    }
    if (msg.error) throw new ChatError(`the model reported an error: ${errorText(JSON.stringify(msg.error))}`);
    let delta = '';
    if (req.api === 'openai') {
      const choice = (msg.choices as Array<{ delta?: { content?: unknown }; finish_reason?: unknown }> | undefined)?.[0];
      if (typeof choice?.delta?.content === 'string') delta = choice.delta.content;
      if (choice?.finish_reason) finished = true;
    } else {
      if (msg.type === 'content_block_delta') {
        const d = msg.delta as { type?: string; text?: unknown } | undefined;
        if (d?.type === 'text_delta' && typeof d.text === 'string') delta = d.text;
      } else if (msg.type === 'message_stop') finished = true;
      else if (msg.type === 'error') throw new ChatError(`the model reported an error: ${errorText(JSON.stringify(msg.error ?? msg))}`);
    }
    if (delta) {
      answer += delta;
      req.onDelta(delta);
    }
  }
  if (!finished) throw new ChatError(`${url}: the stream ended before the answer was complete`);
  return answer;
}

export function endpointUrl(api: ChatApi, endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  const suffix = api === 'openai' ? '/chat/completions' : '/messages';
  return base.endsWith(suffix) ? base : `${base}${suffix}`;
}

async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    for (let nl = buf.search(/\r?\n/); nl >= 0; nl = buf.search(/\r?\n/)) {
      const line = buf.slice(0, nl);
      buf = buf.slice(buf[nl] === '\r' ? nl + 2 : nl + 1);
      if (line === '') {
        if (data.length) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  if (data.length) yield data.join('\n');
}

function errorText(s: string): string {
  try {
    const j = JSON.parse(s) as { error?: { message?: string }; message?: string };
    const m = j.error?.message ?? j.message;
    if (typeof m === 'string') return m;
  } catch {
    /* not JSON */
  }
  return s.slice(0, 300);
}

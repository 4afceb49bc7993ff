/**
 * A scripted model service on 127.0.0.1 for the real agents (test/agents/): it speaks the Anthropic
 * Messages API (`POST /v1/messages`, streamed as SSE or plain JSON, and `/v1/messages/count_tokens`)
 * for Claude Code and the OpenAI Responses API (`POST /v1/responses`, SSE) for Codex, and all three
 * (with OpenAI chat completions, `POST /v1/chat/completions`, SSE) for `agentlog run`. Only the model's
 * answers are scripted: a test gives the turns (text, thinking, tool calls) the model answers in order;
 * the agents' side requests (title generation, quota checks, small-model calls) get a short harmless
 * answer and take no turn. Every request is logged with its parsed body: the evidence of what history
 * reached the model.
 */

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One block of a model answer. A tool call's `input` is its JSON arguments. */
export type Block = { text: string } | { thinking: string } | { tool: string; input: Record<string, unknown> };

/** One answer of the model: its blocks, in order. An answer with a tool call stops for the tool's result. */
export type Turn = Block[];

/**
 * A scripted failure in place of a turn (it takes its place in the queue): an HTTP status with a body
 * and headers (401, 429 with a retry-after, 500), or the turn's stream cut after `after` SSE events
 * (the connection dropped), or a raw SSE body sent as it is (a service's failure events, a hostile stream).
 */
export type Fault = { status: number; body?: string; headers?: Record<string, string> } | { cut: Turn; after: number } | { sse: string };

/** What a main request is answered with: a turn, or a fault. */
export type Answer = Turn | Fault;

export interface LoggedRequest {
  api: 'anthropic' | 'openai' | 'openai-chat';
  path: string;
  /** True when the request took a scripted turn (the agent's main loop); false for a side request. */
  main: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: a request body is whatever the agent sent
  body: any;
  /** The key the request carried (its authorization or x-api-key header), if any. */
  key?: string;
}

export interface ModelServer {
  url: string;
  /** Every request so far, oldest first. */
  requests: LoggedRequest[];
  /** The requests that took a scripted turn. */
  mainRequests(): LoggedRequest[];
  /** Queue more turns (answered after those already queued). */
  script(turns: Answer[]): void;
  /** Turns not yet answered. */
  pending(): number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;

/** Start the server. `logFile` (or $AGENTLOG_MODEL_LOG): also append each request as a JSON line there. */
export async function startModelServer(
  options: {
    turns?: Answer[];
    logFile?: string;
    /** Answer each main request from its body instead of the queue (a model whose answer follows from its context). */
    answer?: (body: Record<string, unknown>, api: LoggedRequest['api']) => Answer;
    /** Wait this long between SSE events (a slow stream, to be killed in the middle). */
    delayMs?: number;
  } = {},
): Promise<ModelServer> {
  const queue: Answer[] = [...(options.turns ?? [])];
  const delayMs = options.delayMs ?? 0;
  const next = (b: Record<string, unknown>, api: LoggedRequest['api']): Answer => (options.answer ? options.answer(b, api) : queue.shift()!);
  const hasMain = () => !!options.answer || queue.length > 0;
  // AGENTLOG_MODEL_LOG=FILE keeps the requests of a whole run, to read what reached the model.
  const logFile = options.logFile ?? process.env.AGENTLOG_MODEL_LOG;
  const requests: LoggedRequest[] = [];
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}_${String(++ids).padStart(6, '0')}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        body = { unparsed: Buffer.concat(chunks).toString('utf8').slice(0, 1000) };
      }
      const log = (api: LoggedRequest['api'], main: boolean) => {
        const key = req.headers.authorization ?? req.headers['x-api-key'];
        const entry = { api, path: url.pathname, main, body, ...(typeof key === 'string' ? { key } : {}) };
        requests.push(entry);
        if (logFile) fs.appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
      };
      const b = body as Record<string, unknown>;
      if (req.method === 'POST' && url.pathname.endsWith('/messages/count_tokens')) {
        log('anthropic', false);
        return json(res, { input_tokens: 100 });
      }
      if (req.method === 'POST' && url.pathname.endsWith('/messages')) {
        const main = isClaudeMain(b) && hasMain();
        log('anthropic', main);
        const answer = main ? next(b, 'anthropic') : [{ text: 'ok' }];
        if (failed(res, answer, 'anthropic')) return;
        const { turn, cut } = unfault(answer);
        return b.stream === true
          ? void anthropicStream(paced(res, delayMs, cut), turn, String(b.model ?? 'claude'), nextId)
          : json(res, anthropicMessage(turn, String(b.model ?? 'claude'), nextId));
      }
      if (req.method === 'POST' && url.pathname.endsWith('/chat/completions')) {
        const main = Array.isArray(b.tools) && b.tools.length > 0 && hasMain();
        log('openai-chat', main);
        const answer = main ? next(b, 'openai-chat') : [{ text: 'ok' }];
        if (failed(res, answer, 'openai')) return;
        const { turn, cut } = unfault(answer);
        return void chatStream(paced(res, delayMs, cut), turn, String(b.model ?? 'gpt'), nextId);
      }
      if (req.method === 'POST' && url.pathname.endsWith('/responses')) {
        const main = isCodexMain(b) && hasMain();
        log('openai', main);
        const answer = main ? next(b, 'openai') : [{ text: 'ok' }];
        if (failed(res, answer, 'openai')) return;
        const { turn, cut } = unfault(answer);
        return void openaiStream(paced(res, delayMs, cut), turn, String(b.model ?? 'gpt'), nextId);
      }
      // Anything else (model lists, quota, telemetry the settings did not turn off): logged, empty.
      requests.push({ api: url.pathname.includes('responses') ? 'openai' : 'anthropic', path: url.pathname, main: false, body });
      if (url.pathname.endsWith('/models')) return json(res, { data: [], object: 'list' });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"type":"not_found_error","message":"not scripted"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mainRequests: () => requests.filter((r) => r.main),
    script: (turns) => {
      queue.push(...turns);
    },
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Claude Code's main loop sends its tools; its side calls (titles, quota, summaries) send none. */
function isClaudeMain(body: Record<string, unknown>): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

/** Codex's main loop sends its tools too. */
function isCodexMain(body: Record<string, unknown>): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

/** Answer a fault that is an HTTP status; true when it was one. */
function failed(res: http.ServerResponse, answer: Answer, api: 'anthropic' | 'openai'): boolean {
  if (!Array.isArray(answer) && 'sse' in answer) {
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end(answer.sse);
    return true;
  }
  if (Array.isArray(answer) || !('status' in answer)) return false;
  const body =
    answer.body ??
    (api === 'anthropic'
      ? JSON.stringify({ type: 'error', error: { type: answer.status === 401 ? 'authentication_error' : 'api_error', message: `scripted ${answer.status}` } })
      : JSON.stringify({ error: { message: `scripted ${answer.status}`, type: 'scripted' } }));
  res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.status === 429 ? { 'retry-after': '0' } : {}), ...answer.headers }).end(body);
  return true;
}

function unfault(answer: Answer): { turn: Turn; cut?: number } {
  if (Array.isArray(answer)) return { turn: answer };
  if ('cut' in answer) return { turn: answer.cut, cut: answer.after };
  return { turn: [] };
}

/**
 * The response as the stream writers use it, with each write delayed by `delayMs` after the one
 * before (a slow stream) and, with `cut`, the connection destroyed after that many writes.
 */
function paced(res: http.ServerResponse, delayMs: number, cut?: number): http.ServerResponse {
  if (!delayMs && cut === undefined) return res;
  let writes = 0;
  let chain = Promise.resolve();
  const write = res.write.bind(res) as (chunk: string) => boolean;
  const end = res.end.bind(res) as () => http.ServerResponse;
  const later = (f: () => void) => {
    chain = chain
      .then(() => new Promise<void>((r) => setTimeout(r, delayMs)))
      .then(() => {
        if (!res.destroyed) f();
      });
  };
  const proxy = Object.create(res) as http.ServerResponse;
  proxy.writeHead = ((...args: Parameters<http.ServerResponse['writeHead']>) => {
    res.writeHead(...args);
    res.flushHeaders();
    return proxy;
  }) as http.ServerResponse['writeHead'];
  proxy.write = ((chunk: string) => {
    later(() => {
      if (cut !== undefined && writes >= cut) return void res.destroy();
      writes++;
      write(chunk);
    });
    return true;
  }) as http.ServerResponse['write'];
  proxy.end = (() => {
    later(() => {
      if (cut !== undefined) return void res.destroy();
      end();
    });
    return proxy;
  }) as http.ServerResponse['end'];
  return proxy;
}

function json(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function sse(res: http.ServerResponse): (event: string, data: Record<string, unknown>) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  };
}

const USAGE = { input_tokens: 120, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

/** A scripted turn as Anthropic content blocks (a signature made up for each thinking block). */
function anthropicBlocks(turn: Turn, nextId: (p: string) => string): Record<string, unknown>[] {
  return turn.map((b) => {
    if ('text' in b) return { type: 'text', text: b.text };
    if ('thinking' in b) return { type: 'thinking', thinking: b.thinking, signature: `sig-${Buffer.from(b.thinking).toString('base64').slice(0, 24)}` };
    return { type: 'tool_use', id: nextId('toolu'), name: b.tool, input: b.input };
  });
}

function stopReason(turn: Turn): string {
  return turn.some((b) => 'tool' in b) ? 'tool_use' : 'end_turn';
}

function anthropicMessage(turn: Turn, model: string, nextId: (p: string) => string): Record<string, unknown> {
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: anthropicBlocks(turn, nextId),
    stop_reason: stopReason(turn),
    stop_sequence: null,
    usage: USAGE,
  };
}

function anthropicStream(res: http.ServerResponse, turn: Turn, model: string, nextId: (p: string) => string): void {
  const send = sse(res);
  const blocks = anthropicBlocks(turn, nextId);
  send('message_start', {
    message: {
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...USAGE, output_tokens: 1 },
    },
  });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of halves(String(block.text))) send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    } else if (block.type === 'thinking') {
      send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of halves(String(block.thinking))) send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } });
      send('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const piece of halves(JSON.stringify(block.input))) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: stopReason(turn), stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } });
  send('message_stop', {});
  res.end();
}

function openaiStream(res: http.ServerResponse, turn: Turn, model: string, nextId: (p: string) => string): void {
  const send = sse(res);
  let seq = 0;
  const id = nextId('resp');
  const base = { id, object: 'response', created_at: 1_700_000_000, model };
  send('response.created', { sequence_number: seq++, response: { ...base, status: 'in_progress', output: [] } });
  const output: Record<string, unknown>[] = [];
  turn.forEach((b, output_index) => {
    let item: Record<string, unknown>;
    if ('text' in b) {
      const item_id = nextId('msg');
      send('response.output_item.added', {
        sequence_number: seq++,
        output_index,
        item: { id: item_id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      });
      send('response.content_part.added', {
        sequence_number: seq++,
        item_id,
        output_index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      for (const delta of halves(b.text)) send('response.output_text.delta', { sequence_number: seq++, item_id, output_index, content_index: 0, delta });
      send('response.output_text.done', { sequence_number: seq++, item_id, output_index, content_index: 0, text: b.text });
      item = { id: item_id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: b.text, annotations: [] }] };
    } else if ('thinking' in b) {
      item = {
        id: nextId('rs'),
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: b.thinking }],
        encrypted_content: Buffer.from(b.thinking).toString('base64'),
      };
      send('response.output_item.added', { sequence_number: seq++, output_index, item: { ...item, summary: [] } });
    } else {
      item = { id: nextId('fc'), type: 'function_call', status: 'completed', call_id: nextId('call'), name: b.tool, arguments: JSON.stringify(b.input) };
      send('response.output_item.added', { sequence_number: seq++, output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      send('response.function_call_arguments.delta', { sequence_number: seq++, item_id: item.id, output_index, delta: item.arguments });
      send('response.function_call_arguments.done', { sequence_number: seq++, item_id: item.id, output_index, arguments: item.arguments });
    }
    send('response.output_item.done', { sequence_number: seq++, output_index, item });
    output.push(item);
  });
  send('response.completed', {
    sequence_number: seq++,
    response: {
      ...base,
      status: 'completed',
      output,
      usage: {
        input_tokens: 120,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 132,
      },
    },
  });
  res.end();
}

/** OpenAI chat completions, streamed: content deltas, tool_calls deltas by index, finish_reason, usage, [DONE]. */
function chatStream(res: http.ServerResponse, turn: Turn, model: string, nextId: (p: string) => string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const id = nextId('chatcmpl');
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
    );
  chunk({ role: 'assistant', content: '' });
  let index = 0;
  for (const b of turn) {
    if ('text' in b) for (const piece of halves(b.text)) chunk({ content: piece });
    else if ('tool' in b) {
      const args = JSON.stringify(b.input);
      const [first, second] = halves(args).length === 2 ? halves(args) : [args, ''];
      chunk({ tool_calls: [{ index, id: nextId('call'), type: 'function', function: { name: b.tool, arguments: first } }] });
      if (second) chunk({ tool_calls: [{ index, function: { arguments: second } }] });
      index++;
    }
  }
  chunk({}, stopReason(turn) === 'tool_use' ? 'tool_calls' : 'stop');
  res.write(
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 } })}\n\n`,
  );
  res.write('data: [DONE]\n\n');
  res.end();
}

/** A string in two pieces, so that clients join deltas (one piece when it is too short to split). */
function halves(s: string): string[] {
  if (s.length < 2) return [s];
  const cut = Math.floor(s.length / 2);
  return [s.slice(0, cut), s.slice(cut)];
}

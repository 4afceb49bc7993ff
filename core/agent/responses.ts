// The OpenAI Responses API (`POST /v1/responses`): the conversation as its input items (messages,
// function_call and function_call_output items paired by call_id, reasoning items sent back with their
// encrypted content), and its SSE stream read into one whole answer (`response.completed` seen, or it
// is a cut stream). Nothing is stored on the service (`store: false`): the log is the only state.

import { AgentlogError } from '../errors.js';
import { numbers, toolInput } from './anthropic.js';
import { type Conversation, type Message, textBlocks } from './context.js';
import type { Answer, AnswerBlock, ModelConfig, StreamSink } from './model.js';
import { parseData, readSse } from './sse.js';
import type { ToolSpec } from './tools.js';

export function responsesRequest(config: ModelConfig, c: Conversation, tools: readonly ToolSpec[]): string {
  return JSON.stringify({
    model: config.model,
    max_output_tokens: config.maxTokens,
    stream: true,
    store: false,
    ...(reasons(config.model) ? { include: ['reasoning.encrypted_content'] } : {}),
    ...(c.system.length ? { instructions: c.system.join('\n\n') } : {}),
    tools: tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.schema, strict: false })),
    input: c.messages.flatMap(responsesItems),
  });
}

/**
 * Whether the model reasons (o1, o3, o4-mini, gpt-5…, codex…, gpt-oss): only those are asked for their
 * reasoning's encrypted content, which other models refuse ("Encrypted content is not supported with
 * this model"). Without it a reasoning item is kept in the log but not sent back (nothing is stored
 * on the service to refer to).
 */
export function reasons(model: string): boolean {
  return /^(o\d|gpt-5|codex|gpt-oss)/i.test(model.replace(/^.*\//, ''));
}

/** One message of the conversation as the input items it becomes, in the order of its blocks. */
export function responsesItems(m: Message): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  let parts: Record<string, unknown>[] = [];
  const flush = () => {
    if (parts.length) items.push({ type: 'message', role: m.role, content: parts });
    parts = [];
  };
  for (const b of m.content) {
    if (b.type === 'text') parts.push({ type: m.role === 'assistant' ? 'output_text' : 'input_text', text: b.text });
    else if (b.type === 'image' && m.role === 'user') parts.push({ type: 'input_image', image_url: `data:${b.media_type};base64,${b.data}` });
    else if (b.type === 'tool_use') {
      flush();
      items.push({ type: 'function_call', call_id: b.id, name: b.name, arguments: JSON.stringify(b.input) });
    } else if (b.type === 'tool_result') {
      flush();
      const text = typeof b.content === 'string' ? b.content : textBlocks(b.content);
      items.push({ type: 'function_call_output', call_id: b.tool_use_id, output: b.is_error && !text.startsWith('error') ? `error: ${text}` : text });
    } else if (b.type === 'reasoning') {
      flush();
      items.push({
        type: 'reasoning',
        id: b.id,
        summary: b.summary.map((text) => ({ type: 'summary_text', text })),
        encrypted_content: b.encrypted_content,
      });
    }
  }
  flush();
  return items;
}

/** Error codes of a failed response that asking again will not mend (the request itself is refused). */
const FINAL = new Set(['invalid_prompt', 'context_length_exceeded', 'invalid_request_error', 'invalid_image', 'content_filter']);

export async function readResponses(body: ReadableStream<Uint8Array>, where: string, sink?: StreamSink): Promise<Answer> {
  const done = new Map<number, Record<string, unknown>>();
  let completed: Record<string, unknown> | undefined;
  let id: string | undefined;
  let model: string | undefined;
  for await (const e of readSse(body, where)) {
    const d = parseData(e, where);
    const type = typeof d.type === 'string' ? d.type : e.event;
    switch (type) {
      case 'response.created':
      case 'response.in_progress': {
        const r = (d.response ?? {}) as Record<string, unknown>;
        if (typeof r.id === 'string') id = r.id;
        if (typeof r.model === 'string') model = r.model;
        break;
      }
      case 'response.output_item.added': {
        const item = (d.item ?? {}) as Record<string, unknown>;
        if (item.type === 'function_call' && typeof item.name === 'string') sink?.tool?.(item.name);
        break;
      }
      case 'response.output_text.delta':
        if (typeof d.delta === 'string') sink?.text?.(d.delta);
        break;
      case 'response.output_item.done': {
        const item = d.item;
        if (!item || typeof item !== 'object' || !Number.isSafeInteger(d.output_index))
          throw new AgentlogError('E_MODEL', `${where}: response.output_item.done without an item or an output_index`, { retry: true });
        done.set(d.output_index as number, item as Record<string, unknown>);
        break;
      }
      case 'response.completed':
      case 'response.incomplete':
        completed = (d.response ?? {}) as Record<string, unknown>;
        break;
      case 'response.failed': {
        const r = (d.response ?? {}) as Record<string, unknown>;
        const err = (r.error ?? {}) as Record<string, unknown>;
        throw failure(where, err.code, err.message);
      }
      case 'error':
        throw failure(
          where,
          d.code ?? (d.error as Record<string, unknown> | undefined)?.code,
          d.message ?? (d.error as Record<string, unknown> | undefined)?.message,
        );
    }
    if (completed) break;
  }
  if (!completed) throw new AgentlogError('E_MODEL', `${where}: the answer stopped before its end (no response.completed)`, { retry: true });
  if (typeof completed.id === 'string') id = completed.id;
  if (typeof completed.model === 'string') model = completed.model;
  // The items as each was done; a service that sends only the whole response has them in its output.
  const items = done.size ? [...done].sort((a, b) => a[0] - b[0]).map(([, item]) => item) : Array.isArray(completed.output) ? completed.output : [];
  const content: AnswerBlock[] = [];
  for (const item of items as Record<string, unknown>[]) content.push(...blocksOf(item, where));
  const status = String(completed.status ?? 'completed');
  const reason = (completed.incomplete_details as Record<string, unknown> | undefined)?.reason;
  return {
    content,
    stopReason: status === 'incomplete' && typeof reason === 'string' ? `incomplete:${reason}` : status,
    usage: usageOf(completed.usage),
    id,
    model,
  };
}

function blocksOf(item: Record<string, unknown>, where: string): AnswerBlock[] {
  if (item.type === 'message') {
    const parts = Array.isArray(item.content) ? (item.content as Record<string, unknown>[]) : [];
    const text = parts
      .filter((p) => p && p.type === 'output_text' && typeof p.text === 'string')
      .map((p) => p.text as string)
      .join('');
    const refusal = parts.find((p) => p && p.type === 'refusal' && typeof p.refusal === 'string');
    const out: AnswerBlock[] = [];
    if (text) out.push({ type: 'text', text });
    if (refusal) out.push({ type: 'text', text: `(refused) ${String(refusal.refusal)}` });
    return out;
  }
  if (item.type === 'function_call') {
    if (typeof item.call_id !== 'string' || !item.call_id || typeof item.name !== 'string' || !item.name)
      throw new AgentlogError('E_MODEL', `${where}: a function_call without a call_id or a name`, { retry: true });
    return [{ type: 'tool_use', id: item.call_id, name: item.name, input: toolInput(String(item.arguments ?? ''), where) }];
  }
  if (item.type === 'reasoning' && typeof item.id === 'string') {
    const summary = (Array.isArray(item.summary) ? (item.summary as Record<string, unknown>[]) : [])
      .filter((s) => s && typeof s.text === 'string')
      .map((s) => s.text as string);
    return [
      {
        type: 'reasoning',
        id: item.id,
        summary,
        ...(typeof item.encrypted_content === 'string' && item.encrypted_content ? { encrypted_content: item.encrypted_content } : {}),
      } as AnswerBlock,
    ];
  }
  return []; // other output items (web search calls, …) are not ours: this agent offers only its function tools
}

/** The token counts, with the details flattened (`cached_tokens`, `reasoning_tokens`). */
function usageOf(u: unknown): Record<string, number> {
  const out = numbers(u);
  if (u && typeof u === 'object') {
    for (const k of ['input_tokens_details', 'output_tokens_details']) Object.assign(out, numbers((u as Record<string, unknown>)[k]));
  }
  return out;
}

function failure(where: string, code: unknown, message: unknown): AgentlogError {
  const c = typeof code === 'string' ? code : 'error';
  return new AgentlogError('E_MODEL', `${where}: the stream ended with an error: ${c}: ${String(message ?? '').slice(0, 300)}`, { retry: !FINAL.has(c) });
}

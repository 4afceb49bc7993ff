// The Anthropic Messages API: the conversation as its request (tool_use / tool_result blocks as they
// are), and its SSE stream read into one whole answer (message_stop seen, or it is a cut stream).

import { AgentlogError } from '../errors.js';
import type { Block, Conversation, Message } from './context.js';
import type { Answer, AnswerBlock, ModelConfig, StreamSink } from './model.js';
import { parseData, readSse } from './sse.js';
import type { ToolSpec } from './tools.js';

export function anthropicRequest(config: ModelConfig, c: Conversation, tools: readonly ToolSpec[]): string {
  return JSON.stringify({
    model: config.model,
    max_tokens: config.maxTokens,
    stream: true,
    ...(c.system.length ? { system: c.system.join('\n\n') } : {}),
    tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.schema })),
    messages: c.messages.map(anthropicMessage),
  });
}

/** One message of the conversation as the API takes it. */
export function anthropicMessage(m: Message): Record<string, unknown> {
  return { role: m.role, content: m.content.map(wire) };
}

function wire(b: Block): Record<string, unknown> {
  if (b.type === 'image') return { type: 'image', source: { type: 'base64', media_type: b.media_type, data: b.data } };
  if (b.type === 'tool_result') {
    return {
      type: 'tool_result',
      tool_use_id: b.tool_use_id,
      content: typeof b.content === 'string' ? b.content : b.content.map(wire),
      ...(b.is_error ? { is_error: true } : {}),
    };
  }
  return b;
}

type Partial = { block: Record<string, unknown>; json: string };

export async function readAnthropic(body: ReadableStream<Uint8Array>, where: string, sink?: StreamSink): Promise<Answer> {
  const blocks = new Map<number, Partial>();
  let usage: Record<string, number> = {};
  let stopReason = '';
  let id: string | undefined;
  let model: string | undefined;
  let stopped = false;
  for await (const e of readSse(body, where)) {
    if (e.event === 'ping') continue;
    const d = parseData(e, where);
    switch (d.type) {
      case 'message_start': {
        const m = (d.message ?? {}) as Record<string, unknown>;
        id = typeof m.id === 'string' ? m.id : undefined;
        model = typeof m.model === 'string' ? m.model : undefined;
        usage = { ...usage, ...numbers(m.usage) };
        break;
      }
      case 'content_block_start': {
        const cb = { ...((d.content_block ?? {}) as Record<string, unknown>) };
        if (cb.type === 'tool_use' && typeof cb.name === 'string') sink?.tool?.(cb.name);
        blocks.set(Number(d.index), { block: cb, json: '' });
        break;
      }
      case 'content_block_delta': {
        const p = blocks.get(Number(d.index));
        const delta = (d.delta ?? {}) as Record<string, unknown>;
        if (!p) throw new AgentlogError('E_MODEL', `${where}: a delta for block ${d.index}, which did not start`);
        if (delta.type === 'text_delta' && typeof delta.text === 'string') {
          p.block.text = String(p.block.text ?? '') + delta.text;
          sink?.text?.(delta.text);
        } else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') p.block.thinking = String(p.block.thinking ?? '') + delta.thinking;
        else if (delta.type === 'signature_delta' && typeof delta.signature === 'string') p.block.signature = delta.signature;
        else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') p.json += delta.partial_json;
        break;
      }
      case 'message_delta': {
        const delta = (d.delta ?? {}) as Record<string, unknown>;
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        usage = { ...usage, ...numbers(d.usage) };
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'error': {
        const err = (d.error ?? {}) as Record<string, unknown>;
        const kind = String(err.type ?? 'error');
        throw new AgentlogError('E_MODEL', `${where}: the stream ended with an error: ${kind}: ${String(err.message ?? '')}`, {
          retry: kind === 'overloaded_error' || kind === 'api_error' || kind === 'rate_limit_error',
        });
      }
    }
  }
  if (!stopped) throw new AgentlogError('E_MODEL', `${where}: the answer stopped before its end (no message_stop)`, { retry: true });
  const content: AnswerBlock[] = [];
  for (const [, p] of [...blocks].sort((a, b) => a[0] - b[0])) {
    const b = p.block;
    if (b.type === 'text' && typeof b.text === 'string') content.push({ type: 'text', text: b.text });
    else if (b.type === 'thinking')
      content.push({
        type: 'thinking',
        thinking: String(b.thinking ?? ''),
        ...(typeof b.signature === 'string' && b.signature ? { signature: b.signature } : {}),
      });
    else if (b.type === 'tool_use') content.push({ type: 'tool_use', id: String(b.id), name: String(b.name), input: toolInput(p.json, where) });
  }
  return { content, stopReason, usage, id, model };
}

export function toolInput(json: string, where: string): Record<string, unknown> {
  if (!json.trim()) return {};
  try {
    const v = JSON.parse(json) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new AgentlogError('E_MODEL', `${where}: a tool call's input is not a JSON object: ${json.slice(0, 120)}`, { retry: true });
}

/** The integer fields of a usage object (token counts). */
export function numbers(u: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!u || typeof u !== 'object') return out;
  for (const [k, v] of Object.entries(u)) if (Number.isSafeInteger(v)) out[k] = v as number;
  return out;
}

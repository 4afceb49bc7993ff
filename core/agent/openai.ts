// The OpenAI chat completions API: the conversation as its messages (tool_calls on the assistant,
// role:tool results), and its SSE stream read into one whole answer ([DONE] or a finish_reason seen).

import { AgentlogError } from '../errors.js';
import { numbers, toolInput } from './anthropic.js';
import { type Block, type Conversation, type Message, textBlocks } from './context.js';
import type { Answer, AnswerBlock, ModelConfig, StreamSink } from './model.js';
import { parseData, readSse } from './sse.js';
import type { ToolSpec } from './tools.js';

export function openaiRequest(config: ModelConfig, c: Conversation, tools: readonly ToolSpec[]): string {
  const messages: Record<string, unknown>[] = [];
  if (c.system.length) messages.push({ role: 'system', content: c.system.join('\n\n') });
  for (const m of c.messages) messages.push(...openaiMessages(m));
  return JSON.stringify({
    model: config.model,
    max_completion_tokens: config.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    tools: tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.schema } })),
    messages,
  });
}

/** One message of the conversation as the chat messages it becomes (a result each is a role:tool message). */
export function openaiMessages(m: Message): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  if (m.role === 'assistant') {
    const text = textBlocks(m.content);
    const calls = m.content.filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use');
    messages.push({
      role: 'assistant',
      content: text || null,
      ...(calls.length
        ? { tool_calls: calls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.input) } })) }
        : {}),
    });
    return messages;
  }
  const parts: Record<string, unknown>[] = [];
  for (const b of m.content) {
    if (b.type === 'tool_result') {
      const text = typeof b.content === 'string' ? b.content : textBlocks(b.content);
      messages.push({ role: 'tool', tool_call_id: b.tool_use_id, content: b.is_error && !text.startsWith('error') ? `error: ${text}` : text });
    } else if (b.type === 'text') parts.push({ type: 'text', text: b.text });
    else if (b.type === 'image') parts.push({ type: 'image_url', image_url: { url: `data:${b.media_type};base64,${b.data}` } });
  }
  if (parts.length) messages.push({ role: 'user', content: parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts });
  return messages;
}

export async function readOpenai(body: ReadableStream<Uint8Array>, where: string, sink?: StreamSink): Promise<Answer> {
  let text = '';
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let finish = '';
  let usage: Record<string, number> = {};
  let id: string | undefined;
  let model: string | undefined;
  let done = false;
  for await (const e of readSse(body, where)) {
    if (e.data === '[DONE]') {
      done = true;
      break;
    }
    const d = parseData(e, where);
    if (d.error) {
      const err = d.error as Record<string, unknown>;
      throw new AgentlogError('E_MODEL', `${where}: the stream ended with an error: ${String(err.message ?? JSON.stringify(err)).slice(0, 300)}`, {
        retry: true,
      });
    }
    if (typeof d.id === 'string') id = d.id;
    if (typeof d.model === 'string') model = d.model;
    if (d.usage) usage = numbers(d.usage);
    const choice = Array.isArray(d.choices) ? (d.choices[0] as Record<string, unknown> | undefined) : undefined;
    if (!choice) continue;
    const delta = (choice.delta ?? {}) as Record<string, unknown>;
    if (typeof delta.content === 'string' && delta.content) {
      text += delta.content;
      sink?.text?.(delta.content);
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls as Record<string, unknown>[]) {
        const index = Number(tc.index ?? 0);
        const fn = (tc.function ?? {}) as Record<string, unknown>;
        let call = calls.get(index);
        if (!call) {
          call = { id: '', name: '', args: '' };
          calls.set(index, call);
        }
        if (typeof tc.id === 'string') call.id = tc.id;
        if (typeof fn.name === 'string') {
          if (!call.name) sink?.tool?.(fn.name);
          call.name += fn.name;
        }
        if (typeof fn.arguments === 'string') call.args += fn.arguments;
      }
    }
    if (typeof choice.finish_reason === 'string') finish = choice.finish_reason;
  }
  if (!done) throw new AgentlogError('E_MODEL', `${where}: the answer stopped before its end (no [DONE])`, { retry: true });
  if (!finish) throw new AgentlogError('E_MODEL', `${where}: the answer has no finish_reason`, { retry: true });
  const content: AnswerBlock[] = [];
  if (text) content.push({ type: 'text', text });
  for (const [, c] of [...calls].sort((a, b) => a[0] - b[0])) {
    if (!c.id || !c.name) throw new AgentlogError('E_MODEL', `${where}: a tool call without an id or a name`, { retry: true });
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c.args, where) });
  }
  return { content, stopReason: finish, usage, id, model };
}

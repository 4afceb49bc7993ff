import type { AgentInputItem } from '@openai/agents';
import type { EventInput, IpldValue, StoredEvent } from '../../../core/index.js';

/**
 * The OpenAI Agents SDK's items as events and back. An item becomes one event that `agentlog run`
 * (core/agent) understands: a `message` in the Anthropic shape its context fold reads (user and
 * assistant text, a function call as `tool_use`, its result as `tool_result`), with the item itself
 * kept as `source` (format `openai-agents`), so that getItems gives it back deep-equal. Items with no
 * place in a conversation (reasoning, hosted tools, …) are `openai.item` events, kept, never sent to
 * another model. Events `agentlog run` appended (no such source) are read back as the items the SDK
 * would have made of them.
 */

export const FORMAT = 'openai-agents';

type Obj = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (p && typeof p === 'object' && typeof (p as Obj).text === 'string' ? ((p as Obj).text as string) : ''))
    .filter(Boolean)
    .join('\n');
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && typeof (output as Obj).text === 'string') return (output as Obj).text as string;
  return JSON.stringify(output ?? null);
}

function parseArguments(args: unknown): Obj {
  if (typeof args !== 'string') return {};
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { arguments: args };
  }
}

/** The event of one item (its kind, role and content for the agent loop; the item as its source). */
export function itemEvent(item: AgentInputItem, ts: number): EventInput {
  const it = item as unknown as Obj;
  const source = { format: FORMAT, record: JSON.parse(JSON.stringify(item)) as IpldValue };
  const type = typeof it.type === 'string' ? it.type : 'message';
  if (type === 'message' && (it.role === 'user' || it.role === 'assistant' || it.role === 'system')) {
    return { kind: 'message', ts, role: it.role, content: [{ type: 'text', text: textOf(it.content) }], source };
  }
  if (type === 'function_call' && typeof it.callId === 'string' && typeof it.name === 'string') {
    return {
      kind: 'message',
      ts,
      role: 'assistant',
      content: [{ type: 'tool_use', id: it.callId, name: it.name, input: parseArguments(it.arguments) as IpldValue }],
      source,
    };
  }
  if (type === 'function_call_result' && typeof it.callId === 'string') {
    const isError = it.status === 'incomplete';
    return {
      kind: 'message',
      ts,
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: it.callId, content: outputText(it.output), is_error: isError }],
      source,
    };
  }
  return { kind: 'openai.item', ts, item_type: type, source };
}

/** The items of a timeline's events, each with the seq of its event. */
export function eventItems(events: readonly StoredEvent[]): { seq: number; item: AgentInputItem }[] {
  const out: { seq: number; item: AgentInputItem }[] = [];
  const names = new Map<string, string>();
  for (const { event: e } of events) {
    const source = e.source as Obj | undefined;
    if (source?.format === FORMAT && source.record && typeof source.record === 'object') {
      const record = source.record as Obj;
      if (record.type === 'function_call' && typeof record.callId === 'string' && typeof record.name === 'string') names.set(record.callId, record.name);
      out.push({ seq: e.seq, item: record as unknown as AgentInputItem });
      continue;
    }
    if (e.kind !== 'message' || (e.role !== 'user' && e.role !== 'assistant')) continue;
    for (const item of fromBlocks(e.role, Array.isArray(e.content) ? (e.content as Obj[]) : [], names)) out.push({ seq: e.seq, item });
  }
  return out;
}

/** Items for a message another agent appended (`agentlog run`, an import): text, tool calls, results. */
function fromBlocks(role: 'user' | 'assistant', blocks: Obj[], names: Map<string, string>): AgentInputItem[] {
  const out: AgentInputItem[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.length === 0) return;
    const joined = text.join('\n');
    out.push(
      role === 'user'
        ? ({ role: 'user', content: joined } as AgentInputItem)
        : ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: joined }] } as AgentInputItem),
    );
    text = [];
  };
  for (const b of blocks) {
    if (!b || typeof b !== 'object') continue;
    if (b.type === 'text' && typeof b.text === 'string') text.push(b.text);
    else if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') {
      flush();
      names.set(b.id, b.name);
      out.push({ type: 'function_call', callId: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}), status: 'completed' } as AgentInputItem);
    } else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
      flush();
      const content = typeof b.content === 'string' ? b.content : textOf(b.content);
      out.push({
        type: 'function_call_result',
        callId: b.tool_use_id,
        name: names.get(b.tool_use_id) ?? 'tool',
        status: b.is_error === true ? 'incomplete' : 'completed',
        output: { type: 'text', text: content },
      } as AgentInputItem);
    }
  }
  flush();
  return out;
}

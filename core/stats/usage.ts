import type { Event } from '../event/event.js';
import { CLAUDE_FORMAT } from '../formats/claude/records.js';
import { CODEX_FORMAT } from '../formats/codex/records.js';
import { sourceOf } from '../formats/source.js';

/** Tokens of one model call: input not read from a cache, output (reasoning included), cache reads and writes. */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface RecordedUsage {
  usage: Usage;
  model?: string;
  /** The same call recorded again (Claude Code writes a message's usage on each of its content records) has the same key. */
  key: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : {});
const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : typeof v === 'bigint' && v >= 0n ? Number(v) : 0);

/**
 * The token usage an event records, as the agent wrote it: Claude Code's `message.usage` on an
 * assistant record (keyed by the message id and request id: one call, however many records repeat
 * it), Codex's `token_count` event_msg (`last_token_usage`: the call it follows; its input counts the
 * cached part, taken out here), and `agentlog run`'s own `usage` on an assistant message (Anthropic's
 * or OpenAI's fields). `model` for Codex is what the caller last saw in a turn_context.
 */
export function usageOf(e: Event, cid: string, codexModel?: string): RecordedUsage | undefined {
  if (e.kind === 'message' && e.role === 'assistant') {
    const record = sourceOf(e, CLAUDE_FORMAT)?.record;
    if (record) {
      const message = obj(record.message);
      const u = obj(message.usage);
      if (Object.keys(u).length === 0) return undefined;
      const id = typeof message.id === 'string' ? message.id : cid;
      const model = typeof message.model === 'string' ? message.model : undefined;
      return {
        usage: { input: n(u.input_tokens), output: n(u.output_tokens), cacheRead: n(u.cache_read_input_tokens), cacheWrite: n(u.cache_creation_input_tokens) },
        ...(model ? { model } : {}),
        key: `claude:${id}:${typeof record.requestId === 'string' ? record.requestId : ''}`,
      };
    }
    const u = obj(e.usage);
    if (Object.keys(u).length === 0) return undefined;
    const cached = n(u.cache_read_input_tokens) || n(u.cached_tokens);
    const openai = e.api !== undefined && e.api !== 'anthropic';
    const input = n(u.input_tokens) || n(u.prompt_tokens);
    return {
      usage: {
        input: openai ? Math.max(0, input - cached) : input,
        output: n(u.output_tokens) || n(u.completion_tokens),
        cacheRead: cached,
        cacheWrite: n(u.cache_creation_input_tokens),
      },
      ...(typeof e.model === 'string' ? { model: e.model } : {}),
      key: `event:${cid}`,
    };
  }
  if (e.kind === 'codex.event_msg' && e.type === 'token_count') {
    const last = obj(obj(obj(sourceOf(e, CODEX_FORMAT)?.record).payload).info).last_token_usage;
    const u = obj(last);
    if (Object.keys(u).length === 0) return undefined;
    const cached = n(u.cached_input_tokens);
    return {
      usage: { input: Math.max(0, n(u.input_tokens) - cached), output: n(u.output_tokens), cacheRead: cached, cacheWrite: 0 },
      ...(codexModel ? { model: codexModel } : {}),
      key: `event:${cid}`,
    };
  }
  return undefined;
}

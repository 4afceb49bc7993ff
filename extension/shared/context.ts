/**
 * A timeline as of some event → the conversation sent to a model on resume. Pure.
 * Notes are never sent; a compaction replaces everything before it with its summary; tool calls and
 * results travel as text (a resumed session may come from any agent, whose tool ids another provider
 * would reject).
 */
import { blocksOf, stringifyDagJson, textOf, type Event } from '../../core/index.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export function conversationOf(events: Event[]): ChatMessage[] {
  let start = 0;
  let system: string[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i].kind === 'compaction') {
      const e = events[i];
      system = [`Summary of the conversation so far:\n${typeof e.summary === 'string' ? e.summary : textOf(e.content)}`];
      start = i + 1;
      break;
    }
  }
  const out: ChatMessage[] = [];
  for (const e of events.slice(start)) {
    if (e.kind !== 'message') continue;
    const role = e.role === 'assistant' || e.role === 'system' ? e.role : 'user';
    const text = blocksOf(e.content)
      .map((b) => {
        switch (b.type) {
          case 'text':
            return typeof b.text === 'string' ? b.text : '';
          case 'tool_use':
            return `[tool call ${String(b.name ?? 'tool')}: ${safeJson(b.input)}]`;
          case 'tool_result':
            return `[tool result${b.is_error === true ? ' (error)' : ''}: ${typeof b.content === 'string' ? b.content : textOf(b.content) || safeJson(b.content)}]`;
          case 'image':
            return `[image ${String(b.media_type ?? '')}]`;
          default:
            return '';
        }
      })
      .filter(Boolean)
      .join('\n\n');
    if (!text) continue;
    if (role === 'system') {
      system.push(text);
      continue;
    }
    const last = out[out.length - 1];
    if (last && last.role === role) last.content += `\n\n${text}`;
    else out.push({ role, content: text });
  }
  return system.length ? [{ role: 'system', content: system.join('\n\n') }, ...out] : out;
}

function safeJson(v: unknown): string {
  try {
    return stringifyDagJson(v ?? null);
  } catch {
    return String(v);
  }
}

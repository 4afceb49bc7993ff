/**
 * The agent's folded conversation → VS Code's language-model messages, and a streamed language-model
 * answer → the agent's Answer. Pure (no VS Code): extension/src/lmModel.ts turns these plain parts
 * into vscode.LanguageModelChatMessage and its parts. VS Code 1.95's API has no system role and no
 * image part: the system prompt opens the first user message, an image becomes a line of text, and
 * an error result is marked in its text (a tool result part has no error flag).
 */
import { type AgentBlock, AgentlogError, type Answer, type AnswerBlock, type Conversation, type ToolSpec } from '../../core/index.js';

export type LmPart =
  | { kind: 'text'; text: string }
  | { kind: 'toolCall'; callId: string; name: string; input: Record<string, unknown> }
  | { kind: 'toolResult'; callId: string; text: string };

export interface LmMessage {
  role: 'user' | 'assistant';
  parts: LmPart[];
}

/** A tool as vscode.LanguageModelChatTool describes it. */
export interface LmTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** What the language model's stream gave: text pieces and tool calls, in order. */
export type LmStreamPart = { kind: 'text'; text: string } | { kind: 'toolCall'; callId: string; name: string; input: unknown };

export function lmTools(tools: readonly ToolSpec[]): LmTool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.schema }));
}

export function toLmMessages(c: Conversation): LmMessage[] {
  const out: LmMessage[] = c.messages.map((m) => ({ role: m.role, parts: m.content.flatMap((b) => partsOf(b, m.role)) }));
  const system = c.system.filter((s) => s.trim()).join('\n\n');
  if (system) {
    const first = out[0]?.role === 'user' ? out[0] : undefined;
    const intro: LmPart = { kind: 'text', text: `Instructions:\n${system}` };
    if (first) {
      // A tool result must open its user message when it answers the message before; the opening user message has none.
      first.parts.unshift(intro);
    } else out.unshift({ role: 'user', parts: [intro] });
  }
  // An empty message is refused by some models: say so in words.
  for (const m of out) if (!m.parts.length) m.parts.push({ kind: 'text', text: '(empty)' });
  return out;
}

function partsOf(b: AgentBlock, role: 'user' | 'assistant'): LmPart[] {
  switch (b.type) {
    case 'text':
      return [{ kind: 'text', text: b.text }];
    case 'image':
      return [{ kind: 'text', text: `[an image (${b.media_type}, ${Math.floor((b.data.length * 3) / 4)} bytes) is not sent to this model]` }];
    case 'tool_use':
      return role === 'assistant' ? [{ kind: 'toolCall', callId: b.id, name: b.name, input: b.input }] : [{ kind: 'text', text: `[tool call ${b.name}]` }];
    case 'tool_result': {
      const text = typeof b.content === 'string' ? b.content : b.content.map((x) => (x.type === 'text' ? x.text : `[${x.type}]`)).join('\n');
      const marked = b.is_error ? `error: ${text}` : text;
      return role === 'user' ? [{ kind: 'toolResult', callId: b.tool_use_id, text: marked || '(no output)' }] : [{ kind: 'text', text: marked }];
    }
    case 'reasoning':
      // An OpenAI Responses reasoning item: only that API can read it back (its content is encrypted).
      return [];
  }
}

/**
 * The answer the loop appends: text pieces joined, each tool call a tool_use block with its input
 * (an input that is not an object is wrapped as `{ value }`: the tools refuse it with a message the
 * model reads). A model that gives nothing at all is an error, never an empty answer appended.
 */
export function answerOf(parts: readonly LmStreamPart[], model: string): Answer {
  const content: AnswerBlock[] = [];
  for (const p of parts) {
    if (p.kind === 'text') {
      const last = content[content.length - 1];
      if (last?.type === 'text') last.text += p.text;
      else if (p.text) content.push({ type: 'text', text: p.text });
    } else {
      const input = p.input && typeof p.input === 'object' && !Array.isArray(p.input) ? (p.input as Record<string, unknown>) : { value: p.input };
      content.push({ type: 'tool_use', id: p.callId, name: p.name, input });
    }
  }
  if (!content.length) throw new AgentlogError('E_MODEL', `the language model ${model} answered nothing`);
  const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  return { content, stopReason, usage: {}, model };
}

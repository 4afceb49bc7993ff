import { expect } from 'vitest';

// What each model API requires of a request's tool calls, checked on a logged request body: every
// call answered, every result after its call. A request breaking these is refused by the real service.

// biome-ignore lint/suspicious/noExplicitAny: request bodies are checked by shape
type Any = any;

/** Anthropic Messages: roles alternate from a user message; a tool_use's results open the next message. */
export function expectPairedMessages(body: Any): void {
  const msgs = body.messages as Any[];
  expect(msgs[0].role).toBe('user');
  const called = new Set<string>();
  for (let i = 0; i < msgs.length; i++) {
    if (i) expect(msgs[i].role, `message ${i} alternates`).not.toBe(msgs[i - 1].role);
    const content = Array.isArray(msgs[i].content) ? (msgs[i].content as Any[]) : [];
    for (const b of content) if (b.type === 'tool_result') expect(called.has(b.tool_use_id), `result ${b.tool_use_id} has its call`).toBe(true);
    const calls = content.filter((b) => b.type === 'tool_use');
    for (const c of calls) called.add(c.id);
    if (!calls.length) continue;
    const next = msgs[i + 1].content as Any[];
    expect(next.slice(0, calls.length).map((b) => b.tool_use_id)).toEqual(calls.map((c: Any) => c.id));
  }
}

/** OpenAI chat completions: each role:tool message answers a tool_calls id of the assistant message before it; every call answered. */
export function expectPairedChat(body: Any): void {
  const msgs = body.messages as Any[];
  let open = new Set<string>();
  for (const m of msgs) {
    if (m.role === 'tool') {
      expect(open.has(m.tool_call_id), `tool message ${m.tool_call_id} answers an open call`).toBe(true);
      open.delete(m.tool_call_id);
      continue;
    }
    expect([...open], 'every call answered before the next message').toEqual([]);
    open = new Set(m.role === 'assistant' && m.tool_calls ? m.tool_calls.map((c: Any) => c.id) : []);
  }
  expect([...open]).toEqual([]);
}

/** OpenAI Responses: every function_call_output answers a function_call before it, and every call is answered. */
export function expectPairedItems(input: Any[]): void {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const item of input) {
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type === 'function_call_output') {
      expect(calls.has(item.call_id), `output ${item.call_id} has its call before it`).toBe(true);
      answered.add(item.call_id);
    }
  }
  for (const id of calls) expect(answered.has(id), `call ${id} is answered`).toBe(true);
}

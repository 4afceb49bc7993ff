import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../../core/agent/context.js';
import { clipText, fitConversation, type Sizer } from '../../core/agent/fit.js';

// fit.ts on conversations built by hand, sized as their JSON (the API encodings are tested on the wire
// in context-budget.test.ts): the cases a real session rarely lines up.

const size: Sizer = {
  fixed: (system) => Buffer.byteLength(JSON.stringify({ system, messages: [] })),
  message: (m) => Buffer.byteLength(JSON.stringify([{ role: m.role, content: m.content }])),
};

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }], events: 1 });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ type: 'text', text }], events: 1 });

describe('fitConversation', () => {
  it('leaves a conversation under the budget as it is, a long block included', () => {
    const c: Conversation = { system: ['sys'], messages: [user('a'.repeat(5000)), assistant('b')] };
    const { conversation, fit } = fitConversation(c, 10_000, size);
    expect(conversation.messages).toBe(c.messages);
    expect(fit).toMatchObject({ omitted_events: 0, clipped_blocks: 0 });
  });

  it('a kept tail that opens with a user message joins the first one after the note, so roles still alternate (budgets 800 to 1200)', () => {
    const messages: Message[] = [user('FIRST')];
    for (let i = 0; i < 20; i++) messages.push(assistant(`answer ${i} ${'z'.repeat(400)}`), user(`question ${i} ${'q'.repeat(400)}`));
    let merged = 0;
    for (let budget = 800; budget <= 1200; budget += 50) {
      const { conversation, fit } = fitConversation({ system: [], messages }, budget, size);
      const out = conversation.messages;
      expect(out[0].role).toBe('user');
      for (let i = 1; i < out.length; i++) expect(out[i].role).not.toBe(out[i - 1].role);
      expect(size.fixed([]) + out.reduce((n, m) => n + size.message(m), 0)).toBeLessThanOrEqual(budget * 4);
      const texts = out[0].content.map((b) => (b.type === 'text' ? b.text : ''));
      expect(texts[0]).toBe('FIRST');
      expect(texts[1]).toBe(`[${fit.omitted_events} earlier events of this session are left out here, to keep the request under ${budget} tokens]`);
      if (texts[2] !== undefined) {
        expect(texts[2]).toMatch(/^question \d+ /);
        merged++;
      }
      expect(out.at(-1)!.content[0]).toMatchObject({ text: expect.stringMatching(/^question 19 /) });
      expect(fit.omitted_events).toBe(41 - 1 - (texts[2] === undefined ? 0 : 1) - (out.length - 1));
    }
    expect(merged).toBeGreaterThan(0);
    expect(merged).toBeLessThan(9);
  });

  it('clips in the middle without splitting a surrogate pair', () => {
    const t = '😀'.repeat(3000);
    const c = clipText(t, 1001);
    expect(c).toMatch(/\n\[… \d+ characters clipped …\]\n/);
    expect(c.length).toBeLessThan(1100);
    expect(Buffer.from(c, 'utf8').toString('utf8')).toBe(c);
    expect(c).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});

import { describe, expect, it } from 'vitest';
import { oneLine, summarize, type Event } from '../../core/event/event.js';

describe('event summaries (commit subjects, log lines)', () => {
  // The plain definition: the first width × 8 + 64 characters, collapsed, cut to `width` code points.
  const reference = (text: string, width: number) => {
    // eslint-disable-next-line no-control-regex
    const flat = text
      .slice(0, width * 8 + 64)
      .replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const chars = Array.from(flat);
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : flat;
  };

  it('cut to 72 code points with control characters and runs of space collapsed, as the plain definition', () => {
    const samples = [
      'short',
      '  many   spaces\tand\nnewlines\r\n ',
      'x'.repeat(71),
      'x'.repeat(72),
      'x'.repeat(73),
      '😀'.repeat(71),
      '😀'.repeat(72),
      '😀'.repeat(73),
      `a${'😀'.repeat(80)}`,
      `${'x'.repeat(71)}😀😀`,
      `${'é'.repeat(100)}\u2028end`,
      '\ud83d lone surrogate '.repeat(10),
      '\ude00\ud83d'.repeat(50),
      `${' '.repeat(600)}${'word '.repeat(50)}`,
    ];
    for (const text of samples) expect(oneLine(text, 72), JSON.stringify(text.slice(0, 40))).toBe(reference(text, 72));
  });

  it('reads only the start of a long text', () => {
    const big = `${'line of tool output '.repeat(5000)}`;
    const event = { v: 1, kind: 'message', seq: 1, prev: null, ts: 0, role: 'user', content: [{ type: 'tool_result', content: big }] } as unknown as Event;
    expect(summarize(event)).toBe(reference(`user: ← ${big}`, 72));
    const text = {
      ...event,
      content: [
        { type: 'text', text: 'first' },
        { type: 'text', text: big },
      ],
    } as unknown as Event;
    expect(summarize(text)).toBe(reference(`user: first\n${big}`, 72));
  });
});

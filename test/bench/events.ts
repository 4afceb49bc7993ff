import type { EventInput } from '../../core/store/store.js';

/** mulberry32: a small deterministic generator, good enough to spread sizes. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the a function test file error fix run build value return type import const let async await git commit branch event store'.split(' ');

/** Event `i` (≥ 1) of a realistic session: ~95% short messages, ~5% tool outputs of 20–100 KB. */
export function makeEvent(i: number, rnd: () => number): EventInput {
  const text = (len: number) => {
    const out: string[] = [];
    let size = 0;
    while (size < len) {
      const w = WORDS[Math.floor(rnd() * WORDS.length)];
      out.push(w);
      size += w.length + 1;
    }
    return out.join(' ');
  };
  const ts = 1_750_000_000_000 + i * 1000;
  if (rnd() < 0.05)
    return {
      kind: 'message',
      role: 'user',
      ts,
      content: [{ type: 'tool_result', tool_use_id: `call_${i}`, content: text(20_000 + Math.floor(rnd() * 80_000)), is_error: false }],
    };
  if (i % 2) return { kind: 'message', role: 'user', ts, content: [{ type: 'text', text: text(100 + Math.floor(rnd() * 1500)) }] };
  return {
    kind: 'message',
    role: 'assistant',
    model: 'bench-model',
    ts,
    content: [
      { type: 'text', text: text(200 + Math.floor(rnd() * 1500)) },
      { type: 'tool_use', id: `call_${i + 1}`, name: 'read_file', input: { path: `src/${text(10).replace(/ /g, '/')}.ts` } },
    ],
  };
}

/** A whole session of `n` events: a genesis, then makeEvent(1 … n-1). */
export function makeEvents(n: number, seed = 42): EventInput[] {
  const rnd = mulberry32(seed);
  const events: EventInput[] = [{ kind: 'session', title: 'bench session', agent: { name: 'bench' }, ts: 1_750_000_000_000 }];
  for (let i = 1; i < n; i++) events.push(makeEvent(i, rnd));
  return events;
}

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UuidSet } from '../../core/capture/uuidFilter.js';

describe('the uuid filter of capture state', () => {
  it('never forgets a uuid, grows by layers, survives JSON, and rarely says "maybe" for one never added', () => {
    const set = new UuidSet();
    const added = Array.from({ length: 50_000 }, () => randomUUID());
    for (const [i, u] of added.entries()) {
      set.add(u);
      if (i === 100) expect(set.has(added[50])).toBe(true);
    }
    const back = new UuidSet(JSON.parse(JSON.stringify(set)));
    expect(added.every((u) => back.has(u))).toBe(true);
    const others = Array.from({ length: 50_000 }, () => randomUUID());
    const wrong = others.filter((u) => back.has(u)).length;
    // About 3e-7 a layer, 7 layers: 0.1 expected in 50,000; 5 or more once in ten million runs.
    expect(wrong).toBeLessThan(5);
    // About 4 bytes per uuid (5.3 as base64), however many layers it took.
    const size = JSON.stringify(back).length;
    expect(size).toBeLessThan(added.length * 8);
    expect(back.toJSON().layers.length).toBeGreaterThan(1);
  });

  it('keeps its false "maybe" rare for uuids that differ in a few characters (sequential ids)', () => {
    const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const set = new UuidSet();
    for (let i = 0; i < 20_000; i++) set.add(id(i));
    let wrong = 0;
    for (let i = 20_000; i < 40_000; i++) if (set.has(id(i))) wrong++;
    expect(wrong).toBeLessThan(2);
  });
});

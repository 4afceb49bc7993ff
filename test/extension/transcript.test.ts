import { describe, expect, it } from 'vitest';
import { sealEvent, type Event } from '../../core/index.js';
import { itemOf, MAX_TEXT } from '../../extension/shared/transcript.js';
import { demoStore } from '../helpers/extension-fixtures.js';

function stored(e: Record<string, unknown>, seq = 1) {
  const genesis = sealEvent({ v: 1, kind: 'session', seq: 0, prev: null, ts: 1 } as Event);
  return sealEvent({ v: 1, seq, prev: genesis.cid, ts: 1_750_000_000_000, ...e } as Event);
}

describe('transcript view model', () => {
  it('draws a message as markdown, folded thinking, a tool call and its result', async () => {
    const { store } = await demoStore(3);
    const items = store.readEvents(store.tipOf('demo')!).map(itemOf);
    expect(items.map((i) => [i.seq, i.kind, i.role])).toEqual([
      [0, 'session', 'session'],
      [1, 'message', 'user'],
      [2, 'message', 'assistant'],
      [3, 'message', 'user'],
    ]);
    expect(items[0].blocks[0]).toMatchObject({ t: 'markdown' });
    expect((items[0].blocks[0] as { text: string }).text).toContain('Fix the parser');
    expect(items[2].blocks.map((b) => b.t)).toEqual(['thinking', 'markdown', 'tool_use']);
    expect(items[2].blocks[2]).toMatchObject({ name: 'read_file', summary: '{"path":"src/p2.ts"}' });
    expect(items[2].actor).toBe('claude-sonnet-4-5');
    expect(items[3].blocks[0]).toMatchObject({ t: 'tool_result', text: 'contents of p2', isError: false });
    expect(items[3].cid).toMatch(/^bafyrei/);
  });

  it('marks errors', () => {
    const it = itemOf(
      stored({
        kind: 'message',
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'ENOENT' }], is_error: true }],
      }),
    );
    expect(it.error).toBe(true);
    expect(it.blocks[0]).toMatchObject({ t: 'tool_result', isError: true, text: 'ENOENT' });
  });

  it('gives the page a time it can print when ts lies beyond what a Date holds', () => {
    for (const ts of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      const it = itemOf(stored({ kind: 'note', text: 'far', ts }));
      expect(() => new Date(it.ts).toISOString()).not.toThrow();
    }
  });

  it('keeps hostile text as data (the page inserts it as text)', () => {
    const evil = '<script>window.pwned=1</script><img src=x onerror=alert(1)> [x](javascript:alert(1))';
    const it = itemOf(stored({ kind: 'message', role: 'assistant', content: [{ type: 'text', text: evil }] }));
    expect(it.blocks).toEqual([{ t: 'markdown', text: evil }]);
  });

  it('cuts a text beyond MAX_TEXT and says so', () => {
    const big = 'x'.repeat(MAX_TEXT + 10);
    const b = itemOf(stored({ kind: 'message', role: 'user', content: big })).blocks[0] as { text: string };
    expect(b.text.length).toBeLessThan(MAX_TEXT + 100);
    expect(b.text).toMatch(/10 more characters not shown/);
  });

  it('draws raster images as data URIs and lists others', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const it = itemOf(
      stored({
        kind: 'message',
        role: 'user',
        content: [
          { type: 'image', media_type: 'image/png', data: png },
          { type: 'image', media_type: 'image/svg+xml', data: new TextEncoder().encode('<svg onload=alert(1)/>') },
        ],
      }),
    );
    expect(it.blocks[0]).toEqual({ t: 'image', mediaType: 'image/png', src: 'data:image/png;base64,iVBORw==', bytes: 4 });
    expect(it.blocks[1]).toMatchObject({ t: 'image', mediaType: 'image/svg+xml', src: null });
  });

  it('shows unknown kinds and blocks as DAG-JSON', () => {
    const it = itemOf(stored({ kind: 'x-custom', payload: { a: 1 } }));
    expect(it.blocks[0]).toMatchObject({ t: 'raw', label: 'x-custom' });
    expect((it.blocks[0] as { text: string }).text).toContain('"payload"');
  });
});

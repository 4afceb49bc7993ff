import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { HeaderVM, RenderedState } from '../../extension/shared/protocol.js';
import { itemOf, type ItemVM } from '../../extension/shared/transcript.js';
import { demoStore } from '../helpers/extension-fixtures.js';
import { panelPage } from '../helpers/extension-page.js';

let pp: Awaited<ReturnType<typeof panelPage>>;
let items: ItemVM[];
const header = (h: Partial<HeaderVM> = {}): HeaderVM => ({
  store: '/ws/.agentlog',
  timeline: 'demo',
  title: 'Fix the parser',
  tipSeq: 6,
  viewSeq: 6,
  past: false,
  followsHead: false,
  model: 'scripted-1',
  ...h,
});
const item = (seq: number, blocks: ItemVM['blocks'], extra: Partial<ItemVM> = {}): ItemVM => ({
  seq,
  cid: `bafyreitest${seq}`,
  kind: 'message',
  ts: 1_750_000_000_000,
  actor: 'assistant',
  role: 'assistant',
  summary: '',
  blocks,
  error: false,
  ...extra,
});
const lastRendered = async (page: Page) => ((await pp.sent(page)).filter((m) => m.type === 'rendered').at(-1) as { state: RenderedState }).state;

beforeAll(async () => {
  pp = await panelPage();
  const { store } = await demoStore(6);
  items = store.readEvents(store.tipOf('demo')!).map(itemOf);
}, 60_000);
afterAll(() => pp?.close());

describe('session panel page (headless chromium)', () => {
  it('draws the transcript: markdown, code, folded thinking and tool calls', async () => {
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header: header(), items, hasOlder: false });
    expect(await page.locator('article.event').count()).toBe(7);
    expect(await page.locator('h1.title').textContent()).toBe('Fix the parser');
    const q1 = page.locator('article[data-seq="1"]');
    expect(await q1.locator('.md strong').textContent()).toBe('parse');
    const a2 = page.locator('article[data-seq="2"]');
    expect(await a2.locator('.md pre code').textContent()).toContain('parse("x2")');
    expect(await a2.locator('details.thinking').getAttribute('open')).toBeNull();
    expect(await a2.locator('details.tool-use summary').textContent()).toBe('→ read_file{"path":"src/p2.ts"}');
    expect(await page.locator('article[data-seq="3"] .who').textContent()).toBe('tool result');
    expect(await page.locator('article[data-seq="1"] .who').textContent()).toBe('user');
    expect(await page.locator('article[data-seq="6"] details.tool-result.error').count()).toBe(1);
    expect(await page.locator('article[data-seq="6"] .badge.error').textContent()).toBe('error');
    expect(await lastRendered(page)).toMatchObject({ count: 7, firstSeq: 0, lastSeq: 6, past: false });
    await page.close();
  });

  it('shows hostile content inert: script, handlers, javascript: links, a 1 MB line', async () => {
    const page = await pp.open();
    const evil = [
      '<script>window.__pwned = 1</script>',
      '<img src=x onerror="window.__pwned = 2">',
      '[click me](javascript:window.__pwned=3)',
      '<a href="javascript:window.__pwned=4">raw link</a>',
      '[ok](https://example.com/docs)',
    ].join('\n\n');
    const long = 'A'.repeat(1_000_000);
    await pp.post(page, {
      type: 'reset',
      header: header({ title: '<img src=x onerror="window.__pwned=5">', timeline: '<b>t</b>' }),
      items: [
        item(0, [{ t: 'markdown', text: evil }]),
        item(1, [{ t: 'tool_result', id: 'a', text: '<script>window.__pwned=6</script>', isError: false, summary: '<script>x</script>' }]),
        item(2, [{ t: 'markdown', text: long }]),
        item(3, [{ t: 'raw', label: '<svg onload=alert(1)>', text: '<iframe src="javascript:alert(1)">' }]),
      ],
      hasOlder: false,
    });
    const first = page.locator('article[data-seq="0"]');
    expect(await first.textContent()).toContain('<script>window.__pwned = 1</script>');
    expect(await first.textContent()).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.locator('.items script, .items img, .items iframe, .items svg').count()).toBe(0);
    expect(await page.locator('.items [onerror], .items [onload]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await first.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://example.com/docs']);
    expect(await page.locator('h1.title').textContent()).toBe('<img src=x onerror="window.__pwned=5">');
    // Clicking the neutralised link does nothing.
    await first.getByText('click me').click();
    expect((await page.locator('article[data-seq="2"] pre.plain').textContent())!.length).toBe(1_000_000);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it('enforces the CSP: a script element without the nonce does not run', async () => {
    const page = await pp.open();
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = 7';
      document.body.append(s);
    });
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(pp.violations.length).toBeGreaterThan(0);
    await page.close();
  });

  it('travels in time with the slider and marks the past', async () => {
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header: header(), items, hasOlder: false });
    expect(await page.locator('.past').isVisible()).toBe(false);
    await page.locator('input.slider').fill('3');
    await page.locator('input.slider').dispatchEvent('change');
    expect((await pp.sent(page)).filter((m) => m.type === 'travel').at(-1)).toEqual({ type: 'travel', seq: 3 });
    await pp.post(page, { type: 'reset', header: header({ viewSeq: 3, past: true }), items: items.slice(0, 4), hasOlder: false, reveal: 3 });
    expect(await page.locator('.past').textContent()).toBe('Viewing the past: as of event #3 (the newest is #6). Sending a message forks here.');
    expect(await page.locator('body').getAttribute('class')).toContain('in-past');
    expect(await page.locator('.point').textContent()).toBe('#3 of #6');
    expect(await lastRendered(page)).toMatchObject({ viewSeq: 3, tipSeq: 6, past: true, count: 4 });
    await page.locator('button.newest').click();
    expect((await pp.sent(page)).at(-1)).toEqual({ type: 'travel', seq: null });
    await page.close();
  });

  it('sends event actions, loads older pages, and appends live', async () => {
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header: header(), items: items.slice(4), hasOlder: true });
    await page.locator('article[data-seq="5"]').hover();
    await page.locator('article[data-seq="5"] button[data-action="Fork here"]').click();
    await page.locator('article[data-seq="5"] button[data-action="Copy CID"]').click();
    await page.locator('article[data-seq="5"] button[data-action="Copy link"]').click();
    const sent = await pp.sent(page);
    expect(sent.filter((m) => ['fork', 'copyCid', 'copyLink'].includes(m.type))).toEqual([
      { type: 'fork', seq: 5 },
      { type: 'copyCid', seq: 5 },
      { type: 'copyLink', seq: 5 },
    ]);
    await page.locator('button.older').click();
    expect((await pp.sent(page)).filter((m) => m.type === 'loadOlder').at(-1)).toEqual({ type: 'loadOlder', beforeSeq: 4 });
    await pp.post(page, { type: 'older', items: items.slice(0, 4), hasOlder: false });
    expect(await page.locator('article.event').evaluateAll((as) => as.map((a) => Number((a as HTMLElement).dataset.seq)))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await page.locator('button.older').isVisible()).toBe(false);
    await pp.post(page, { type: 'append', header: header({ tipSeq: 7, viewSeq: 7 }), items: [item(7, [{ t: 'markdown', text: 'live **event**' }])] });
    expect(await page.locator('article[data-seq="7"] strong').textContent()).toBe('event');
    expect(await lastRendered(page)).toMatchObject({ count: 8, lastSeq: 7, tipSeq: 7 });
    await page.close();
  });

  it('sends a message, streams the agent’s steps, shows a failed run', async () => {
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header: header(), items, hasOlder: false });
    await page.locator('textarea.input').fill('What next?');
    await page.locator('textarea.input').press('Control+Enter');
    expect((await pp.sent(page)).filter((m) => m.type === 'send')).toEqual([{ type: 'send', text: 'What next?' }]);
    await pp.post(page, { type: 'streamStart', model: 'scripted-1', workspace: 'working in /ws (the session’s folder)' });
    expect(await page.locator('.pending .bar').textContent()).toBe('agent · scripted-1 · working in /ws (the session’s folder) (working…)');
    await pp.post(page, { type: 'streamDelta', text: 'Partial <b>answer</b>' });
    await pp.post(page, { type: 'streamTool', name: 'write_file' });
    expect(await page.locator('.pending .stream').textContent()).toBe('Partial <b>answer</b>\n→ write_file\n');
    // The step is appended: what streamed is an event now, the pending item starts over.
    await pp.post(page, { type: 'streamStep' });
    expect(await page.locator('.pending .stream').textContent()).toBe('');
    await pp.post(page, { type: 'streamStatus', text: 'retry 1 in 1 s: the model’s service answered 529' });
    expect(await page.locator('.pending .status').textContent()).toBe('retry 1 in 1 s: the model’s service answered 529');
    expect(await page.locator('button.stop').isVisible()).toBe(true);
    await page.locator('button.stop').click();
    expect((await pp.sent(page)).at(-1)).toEqual({ type: 'stop' });
    await pp.post(page, { type: 'streamEnd', outcome: 'failed', error: 'the model answered 500' });
    expect(await page.locator('.error-banner').textContent()).toBe('The run failed: the model answered 500. Every step before it is in the log.');
    expect(await page.locator('.pending article').count()).toBe(0);
    expect(await page.locator('textarea.input').inputValue()).toBe('What next?');
    // Moving to another point in time clears the old error.
    await pp.post(page, { type: 'reset', header: header({ viewSeq: 2, past: true }), items: items.slice(0, 3), hasOlder: false });
    expect(await page.locator('.error-banner').isVisible()).toBe(false);
    await page.close();
  });

  it('asks for approval with Allow / Deny, as text; the answer goes to the host and the card goes', async () => {
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header: header(), items, hasOlder: false });
    await pp.post(page, { type: 'streamStart', model: 'scripted-1', workspace: 'working in /ws' });
    await pp.post(page, { type: 'approve', id: 1, name: 'write_file', detail: 'write a.txt:\n<img src=x onerror=alert(1)>' });
    await pp.post(page, { type: 'approve', id: 2, name: 'shell', detail: '$ rm -rf build' });
    expect(await page.locator('.approval pre').first().textContent()).toBe('write a.txt:\n<img src=x onerror=alert(1)>');
    expect(await page.locator('.approval img').count()).toBe(0);
    expect(await lastRendered(page)).toMatchObject({ approvals: 2, streaming: true });
    await page.locator('.approval[data-id="1"] button.allow').click();
    await page.locator('.approval[data-id="2"] button.deny').click();
    expect((await pp.sent(page)).filter((m) => m.type === 'approval')).toEqual([
      { type: 'approval', id: 1, allow: true },
      { type: 'approval', id: 2, allow: false },
    ]);
    await pp.post(page, { type: 'approvalEnd', id: 1, allow: true });
    expect(await page.locator('.approval').count()).toBe(1);
    await pp.post(page, { type: 'streamEnd', outcome: 'stopped' });
    expect(await page.locator('.approval').count()).toBe(0);
    expect(await page.locator('.error-banner').textContent()).toBe('Stopped after the current step; every step is in the log.');
    expect(await lastRendered(page)).toMatchObject({ approvals: 0, streaming: false });
    await page.close();
  });
});

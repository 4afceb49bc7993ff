import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readTurns } from '../../core/index.js';
import type { HeaderVM, RenderedState } from '../../extension/shared/protocol.js';
import { PREVIEW_CHARS, type TurnVM, turnsVM } from '../../extension/shared/turnView.js';
import { demoStore } from '../helpers/extension-fixtures.js';
import { panelPage } from '../helpers/extension-page.js';

let pp: Awaited<ReturnType<typeof panelPage>>;
let turns: TurnVM[];
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
/** One turn of a prompt and the given steps, events first..last. */
const turn = (first: number, last: number, extra: Partial<TurnVM> = {}): TurnVM => ({
  index: 1,
  first,
  last,
  ts: 1_750_000_000_000,
  steps: [],
  hidden: [],
  calls: 0,
  errors: 0,
  ...extra,
});
const text = (t: string) => ({ text: t.slice(0, PREVIEW_CHARS), chars: t.length, lines: t.split('\n').length, cut: t.length > PREVIEW_CHARS });
const reset = (h: Partial<HeaderVM>, ts: TurnVM[], extra: { hasOlder?: boolean; reveal?: number } = {}) => ({
  type: 'reset' as const,
  header: header(h),
  turns: ts,
  firstSeq: ts[0]?.first ?? 0,
  lastSeq: ts.at(-1)?.last ?? -1,
  hasOlder: extra.hasOlder ?? false,
  ...(extra.reveal !== undefined ? { reveal: extra.reveal } : {}),
});
const lastRendered = async (page: Page) => ((await pp.sent(page)).filter((m) => m.type === 'rendered').at(-1) as { state: RenderedState }).state;

beforeAll(async () => {
  pp = await panelPage();
  const { store } = await demoStore(6);
  const events = store.readEvents(store.tipOf('demo')!).map((e) => e.event);
  turns = turnsVM(readTurns(events), (seq) => events[seq]);
}, 60_000);
afterAll(() => pp?.close());

describe('session panel page (headless chromium)', () => {
  it('draws a card per turn: the prompt, thinking as markdown, each tool call with its result inside', async () => {
    const page = await pp.open();
    await pp.post(page, reset({}, turns));
    expect(await page.locator('article.turn').count()).toBe(2);
    expect(await page.locator('h1.title').textContent()).toBe('Fix the parser');
    const t1 = page.locator('article.turn[data-first="1"]');
    expect(await t1.locator('.prompt .md strong').textContent()).toBe('parse');
    expect(await t1.locator('.md pre code').textContent()).toContain('parse("x2")');
    expect(await t1.locator('details.thinking').getAttribute('open')).toBeNull();
    expect(await t1.locator('details.thinking summary').textContent()).toBe('ThinkingThinking about question 1');
    // The call and its result (event 3) are one fold: the read's path, then the output.
    const call = t1.locator('details.step.tool');
    expect(await call.count()).toBe(1);
    expect(await call.locator('summary .label').textContent()).toBe('read_file');
    expect(await call.locator('summary .line').textContent()).toBe('src/p2.ts');
    expect(await call.locator('.result pre').textContent()).toBe('contents of p2');
    expect(await call.locator('.result').getAttribute('data-seq')).toBe('3');
    const t2 = page.locator('article.turn[data-first="4"]');
    expect(await t2.locator('details.step.tool.error').count()).toBe(1);
    expect(await t2.locator('.turn-head .badge.error').textContent()).toBe('1 error');
    expect(await lastRendered(page)).toMatchObject({ count: 6, turns: 2, calls: 2, firstSeq: 1, lastSeq: 6, past: false });
    await page.close();
  });

  it('renders thinking as sanitised markdown, a diff inline, a todo list, and the whole of a long output on demand', async () => {
    const page = await pp.open();
    const long = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    await pp.post(
      page,
      reset({ tipSeq: 3, viewSeq: 3 }, [
        turn(1, 3, {
          prompt: { seq: 1, block: 0, kind: 'user', text: text('Fix it'), images: [] },
          steps: [
            { t: 'thinking', seq: 2, block: 0, text: text('**bold** plan <img src=x onerror="window.__pwned=1">') },
            {
              t: 'tool',
              seq: 2,
              block: 1,
              id: 'e1',
              name: 'Edit',
              summary: 'src/a.ts',
              view: {
                kind: 'edit',
                path: 'src/a.ts',
                edits: 1,
                diffCut: false,
                diff: [
                  { op: '-', text: 'old' },
                  { op: '+', text: 'new' },
                ],
              },
              result: { seq: 3, block: 0, output: text('ok'), isError: false, images: 0 },
            },
            {
              t: 'tool',
              seq: 2,
              block: 2,
              id: 'b1',
              name: 'Bash',
              summary: 'seq 500',
              view: { kind: 'shell', command: text('seq 500') },
              result: { seq: 3, block: 1, output: text(long), isError: false, exitCode: 0, images: 0 },
            },
            {
              t: 'tool',
              seq: 2,
              block: 3,
              id: 'w1',
              name: 'TodoWrite',
              summary: '2 items',
              view: {
                kind: 'todo',
                items: [
                  { text: 'read', status: 'completed' },
                  { text: 'fix', status: 'in_progress' },
                ],
              },
            },
          ],
          calls: 3,
        }),
      ]),
    );
    expect(await page.locator('details.thinking .md strong').textContent()).toBe('bold');
    // The folded line is plain text: no markdown marks in it.
    expect(await page.locator('details.thinking summary').textContent()).toContain('Thinkingbold plan');
    expect(await page.locator('.items img').count()).toBe(0);
    expect(await page.locator('pre.diff .del').textContent()).toBe('- old\n');
    expect(await page.locator('pre.diff .add').textContent()).toBe('+ new\n');
    await page.locator('details.view-edit summary').click();
    await page.locator('details.view-edit button.open-diff').click();
    await page.locator('details.view-edit .path-row a').click();
    const shell = page.locator('details.view-shell');
    expect(await shell.locator('summary .status').textContent()).toBe('exit 0');
    expect(await shell.locator('pre').first().textContent()).toBe('$ seq 500');
    // 40 lines shown, no scroll box inside the page; the rest in an editor.
    expect((await shell.locator('.result pre').textContent())!.split('\n')).toHaveLength(40);
    expect(await shell.locator('.result pre').evaluate((e) => getComputedStyle(e).maxHeight)).toBe('none');
    expect(await shell.locator('.result button.open-whole').textContent()).toBe('Open the whole output (500 lines, 4,389 characters)');
    await shell.locator('summary').click();
    await shell.locator('.result button.open-whole').click();
    expect(await page.locator('ul.todo li').allTextContents()).toEqual(['☑ read', '◐ fix']);
    const sent = (await pp.sent(page)).filter((m) => m.type.startsWith('open'));
    expect(sent).toEqual([
      { type: 'openDiff', seq: 2, block: 1 },
      { type: 'openPath', seq: 2, block: 1 },
      { type: 'openDoc', seq: 3, block: 1, part: 'output' },
    ]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it('hides bookkeeping with a count and a toggle; an Agent call opens its subagent; fork points are marked', async () => {
    const page = await pp.open();
    await pp.post(
      page,
      reset({ tipSeq: 5, viewSeq: 5, forks: [{ timeline: 'try-2', seq: 2 }], forkOf: { timeline: 'main', seq: 1 } }, [
        turn(1, 5, {
          prompt: { seq: 1, block: 0, kind: 'user', text: text('Look around'), images: [] },
          steps: [
            { t: 'text', seq: 2, block: 0, text: text('Asking a helper.') },
            {
              t: 'tool',
              seq: 3,
              block: 0,
              id: 'a1',
              name: 'Task',
              summary: 'explore',
              view: { kind: 'agent', description: 'explore', prompt: text('Find the parser') },
              result: { seq: 4, block: 0, output: text('found it'), isError: false, images: 0 },
              subagent: 'main-agent-a1',
            },
          ],
          answer: { seq: 5, block: 0, text: text('Done.') },
          hidden: [
            { seq: 2, kind: 'claude.attachment', label: 'attachment', why: 'bookkeeping' },
            { seq: 4, kind: 'claude.cost-state', label: 'cost state', why: 'bookkeeping' },
          ],
          calls: 1,
        }),
      ]),
    );
    expect(await page.locator('.hidden-list').isVisible()).toBe(false);
    expect(await page.locator('.turn-head .hidden-toggle').textContent()).toBe('2 hidden records');
    await page.locator('.turn-head .hidden-toggle').click();
    expect(await page.locator('.hidden-list').isVisible()).toBe(true);
    expect(await page.locator('.hidden-item .kind').allTextContents()).toEqual(['claude.attachment', 'claude.cost-state']);
    await page.locator('.hidden-item[data-seq="4"] a').click();
    expect(await lastRendered(page)).toMatchObject({ hidden: 2, turns: 1, forkMarks: 2 });
    await page.locator('details.view-agent summary').click();
    await page.locator('button.open-subagent').click();
    // The fork leaves after event 2: its mark follows that step, and the slider has a tick there.
    expect(await page.locator('.fork-mark').textContent()).toBe('⑂ try-2 leaves here, after event #2');
    expect(await page.locator('.fork-mark').evaluate((m) => (m.previousElementSibling as HTMLElement).dataset.seq)).toBe('2');
    expect(await page.locator('#fork-ticks option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['2']);
    await page.locator('.fork-mark a').click();
    expect(await page.locator('.family').textContent()).toBe('Forked from main at event #1');
    await page.locator('.family a').first().click();
    const sent = (await pp.sent(page)).filter((m) => m.type.startsWith('open'));
    expect(sent).toEqual([
      { type: 'openDoc', seq: 4, part: 'raw' },
      { type: 'openTimeline', timeline: 'main-agent-a1', seq: null },
      { type: 'openTimeline', timeline: 'try-2', seq: null },
      { type: 'openTimeline', timeline: 'main', seq: 1 },
    ]);
    await page.close();
  });

  it('says a timeline is gone and offers nothing to send', async () => {
    const page = await pp.open();
    await pp.post(
      page,
      reset({ tipSeq: -1, viewSeq: -1, gone: 'The timeline demo no longer exists in this store (deleted or renamed): nothing to show or send.' }, []),
    );
    expect(await page.locator('.gone').textContent()).toMatch(/no longer exists/);
    expect(await page.locator('button.send').isDisabled()).toBe(true);
    expect(await page.locator('textarea.input').isDisabled()).toBe(true);
    expect(await page.locator('.travel').isVisible()).toBe(false);
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
      ...reset({ title: '<img src=x onerror="window.__pwned=5">', timeline: '<b>t</b>' }, [
        turn(0, 0, { answer: { seq: 0, text: text(evil) } }),
        turn(1, 1, {
          steps: [
            {
              t: 'result',
              seq: 1,
              block: 0,
              callId: '<script>x</script>',
              result: { seq: 1, block: 0, output: text('<script>window.__pwned=6</script>'), isError: false, images: 0 },
            },
          ],
        }),
        turn(2, 2, { answer: { seq: 2, text: text(long) } }),
        turn(3, 3, { steps: [{ t: 'notice', seq: 3, kind: 'record', label: '<svg onload=alert(1)>', text: text('<iframe src="javascript:alert(1)">') }] }),
      ]),
    });
    const first = page.locator('article.turn[data-first="0"]');
    expect(await first.textContent()).toContain('<script>window.__pwned = 1</script>');
    expect(await first.textContent()).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.locator('.items script, .items img, .items iframe, .items svg').count()).toBe(0);
    expect(await page.locator('.items [onerror], .items [onload]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await first.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://example.com/docs']);
    expect(await page.locator('h1.title').textContent()).toBe('<img src=x onerror="window.__pwned=5">');
    // Clicking the neutralised link does nothing.
    await first.getByText('click me').click();
    // A long text shows its start (as plain text: markdown on megabytes would stall) and opens whole in an editor.
    expect((await page.locator('article.turn[data-first="2"] .answer .md').textContent())!.trim().length).toBe(PREVIEW_CHARS);
    expect(await page.locator('article.turn[data-first="2"] button.open-whole').textContent()).toBe('Open the whole text (1 line, 1,000,000 characters)');
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
    await pp.post(page, reset({}, turns));
    expect(await page.locator('.past').isVisible()).toBe(false);
    await page.locator('input.slider').fill('3');
    await page.locator('input.slider').dispatchEvent('change');
    expect((await pp.sent(page)).filter((m) => m.type === 'travel').at(-1)).toEqual({ type: 'travel', seq: 3 });
    await pp.post(page, reset({ viewSeq: 3, past: true }, turns.slice(0, 1), { reveal: 3 }));
    expect(await page.locator('.past').textContent()).toBe('Viewing the past: as of event #3 (the newest is #6). Sending a message forks here.');
    expect(await page.locator('body').getAttribute('class')).toContain('in-past');
    expect(await page.locator('.point').textContent()).toBe('#3 of #6');
    expect(await lastRendered(page)).toMatchObject({ viewSeq: 3, tipSeq: 6, past: true, count: 3 });
    await page.locator('button.newest').click();
    expect((await pp.sent(page)).at(-1)).toEqual({ type: 'travel', seq: null });
    await page.close();
  });

  it('sends event actions, loads older pages, and appends live (the last turn replaced as it grows)', async () => {
    const page = await pp.open();
    await pp.post(page, reset({}, turns.slice(1), { hasOlder: true }));
    const step = page.locator('details.step.tool[data-seq="5"] summary');
    await step.hover();
    await step.locator('button[data-action="Fork here"]').click();
    await step.locator('button[data-action="Copy CID"]').click();
    await step.locator('button[data-action="Copy link"]').click();
    const sent = await pp.sent(page);
    expect(sent.filter((m) => ['fork', 'copyCid', 'copyLink'].includes(m.type))).toEqual([
      { type: 'fork', seq: 5 },
      { type: 'copyCid', seq: 5 },
      { type: 'copyLink', seq: 5 },
    ]);
    await page.locator('button.older').click();
    expect((await pp.sent(page)).filter((m) => m.type === 'loadOlder').at(-1)).toEqual({ type: 'loadOlder', beforeSeq: 4 });
    await pp.post(page, { type: 'older', turns: turns.slice(0, 1), firstSeq: 1, hasOlder: false });
    expect(await page.locator('article.turn').evaluateAll((as) => as.map((a) => Number((a as HTMLElement).dataset.first)))).toEqual([1, 4]);
    expect(await page.locator('button.older').isVisible()).toBe(false);
    const grown = { ...turns[1], last: 7, answer: { seq: 7, block: 0, text: text('live **event**') } };
    await pp.post(page, { type: 'append', header: header({ tipSeq: 7, viewSeq: 7 }), turns: [grown], from: 4, lastSeq: 7 });
    expect(await page.locator('article.turn').count()).toBe(2);
    expect(await page.locator('article.turn[data-first="4"] .answer strong').textContent()).toBe('event');
    expect(await lastRendered(page)).toMatchObject({ count: 7, turns: 2, lastSeq: 7, tipSeq: 7 });
    await page.close();
  });

  it('sends a message, streams the agent’s steps, shows a failed run', async () => {
    const page = await pp.open();
    await pp.post(page, reset({}, turns));
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
    await pp.post(page, reset({ viewSeq: 2, past: true }, turns.slice(0, 1)));
    expect(await page.locator('.error-banner').isVisible()).toBe(false);
    await page.close();
  });

  it('asks for approval with Allow / Deny, as text; the answer goes to the host and the card goes', async () => {
    const page = await pp.open();
    await pp.post(page, reset({}, turns));
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

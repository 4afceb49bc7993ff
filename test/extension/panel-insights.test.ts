import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllowList, readTurns, Store, UNREDACTED_PREFIX, verifyTimeline } from '../../core/index.js';
import { findingVM, hitItem, pushWarning, redactQuestion, statsVM } from '../../extension/shared/insights.js';
import type { HeaderVM, HostMessage, RenderedState } from '../../extension/shared/protocol.js';
import { turnsVM } from '../../extension/shared/turnView.js';
import { allowFindings, refusedTimelines } from '../../extension/src/secretsActions.js';
import { runJob } from '../../extension/src/coreJobs.js';
import { PanelInsights } from '../../extension/src/panelInsights.js';
import { CoreWorker, JobError, type JobRunner } from '../../extension/src/workerClient.js';
import { panelPage } from '../helpers/extension-page.js';
import { allObjectBytes, fakeSecrets } from '../helpers/secrets.js';
import { clock, tmpdir } from '../helpers/tmp.js';

const secrets = fakeSecrets('vscode');
const github = secrets.find((s) => s.rule === 'github')!;
const aws = secrets.find((s) => s.rule === 'aws')!;
const USAGE = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 2000 };

/** A session whose prompt (seq 1) holds a GitHub token; an answer with a tool call and usage (2), its result (3). */
async function seeded(): Promise<{ dir: string; store: Store }> {
  const dir = path.join(tmpdir('agentlog-insights-'), '.agentlog');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('demo', { kind: 'session', title: 'Deploy', agent: { name: 'claude-code' }, model: 'claude-sonnet-4-5' });
  await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'text', text: `deploy with ${github.text}` }] });
  await store.append('demo', {
    kind: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    usage: USAGE,
    content: [
      { type: 'text', text: 'Reading the config.' },
      { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'cat .env' } },
    ],
  });
  await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'NODE_ENV=production' }] });
  return { dir, store };
}

/** The in-process runner (the jobs the worker runs), recording each call. */
function recordingRunner() {
  const calls: { name: string; args: Record<string, unknown>; result: unknown }[] = [];
  const run: JobRunner = async (name, args, progress) => {
    const result = await runJob(name, args, progress);
    calls.push({ name, args: args as Record<string, unknown>, result });
    return result;
  };
  return { run, calls };
}

describe('the panel’s secrets and stats (panelInsights.ts over the worker’s jobs)', () => {
  it('counts and scans once the page is ready; marks findings masked; an append scans only its events; Allow and Redact take findings out', async () => {
    const { dir, store } = await seeded();
    const posts: HostMessage[] = [];
    const warned: string[] = [];
    const { run, calls } = recordingRunner();
    const insights = new PanelInsights(
      store,
      () => 'demo',
      (m) => posts.push(m),
      run,
      {
        redact: (_s, timeline, finding) => runJob('redact', { dir, timeline, selection: { finding } }),
        allow: (_s, finding) => allowFindings(dir, [finding], 1_750_000_000_000),
        warn: (m) => void warned.push(m),
      },
    );
    await insights.ready();
    expect(posts.map((p) => p.type)).toEqual(['stats', 'findings']);
    const stats = (posts[0] as Extract<HostMessage, { type: 'stats' }>).stats;
    expect(stats).toMatchObject({ events: 4, turns: 1, toolCalls: 1, tokens: { input: 1200, output: 300, cacheRead: 50_000, cacheWrite: 2000 } });
    expect(stats.line).toMatch(/^4 events · 1 turns · 1 tool calls · tokens 1\.2k in \/ 300 out \/ 50k cache read \/ 2k cache write · \$\d+\.\d\d$/);
    const first = (posts[1] as Extract<HostMessage, { type: 'findings' }>).findings;
    expect(first).toEqual([
      { seq: 1, path: 'content[0].text', rule: 'github', masked: 'ghp_******** (40 chars)', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ]);
    expect(JSON.stringify(posts)).not.toContain(github.secret.slice(4));

    // Nothing moved: no job runs again.
    const before = calls.length;
    await insights.update();
    expect(calls.length).toBe(before);

    // An append: counted again, and only the new event scanned (from the tip scanned before).
    const oldTip = store.tipOf('demo')!;
    await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'text', text: aws.text }] });
    await insights.update();
    const scan = calls.filter((c) => c.name === 'scan').at(-1)!;
    expect(scan.args.since).toBe(oldTip);
    expect(scan.result).toMatchObject({ incremental: true, scanned: 1 });
    expect(insights.findings.map((f) => [f.seq, f.rule])).toEqual([
      [1, 'github'],
      [4, 'aws'],
    ]);
    expect((posts.filter((p) => p.type === 'stats').at(-1) as Extract<HostMessage, { type: 'stats' }>).stats.events).toBe(5);

    // Allow: the finding goes on the store's allow list, the whole timeline is scanned again without it.
    const awsFp = insights.findings.find((f) => f.rule === 'aws')!.fingerprint;
    await insights.onMessage({ type: 'allow', fingerprint: awsFp });
    expect([...readAllowList(store).list.fingerprints]).toEqual([awsFp]);
    expect(calls.filter((c) => c.name === 'scan').at(-1)!.result).toMatchObject({ incremental: false });
    expect(insights.findings.map((f) => f.rule)).toEqual(['github']);

    // Redact: the timeline is rewritten (the original kept aside), scanned whole again: nothing left.
    const unredacted = store.tipOf('demo')!;
    await insights.onMessage({ type: 'redact', fingerprint: first[0].fingerprint });
    expect(store.readRef(`${UNREDACTED_PREFIX}demo`)).toBe(unredacted);
    expect(insights.findings).toEqual([]);
    expect((posts.at(-1) as Extract<HostMessage, { type: 'findings' }>).findings).toEqual([]);
    const tip = store.tipOf('demo')!;
    expect(verifyTimeline(store, 'demo', tip).problem).toBeUndefined();
    expect(JSON.stringify(store.readEvents(tip).map((e) => e.event.content))).not.toContain(github.secret);
    expect(JSON.stringify(store.readEvents(tip)[1].event.content)).toContain('[redacted:github]');
    expect(warned).toEqual([]);
    // Found clean, the tip is marked (as push and agentlog scan mark it): a panel opened on it again scans nothing.
    const again = recordingRunner();
    await new PanelInsights(
      store,
      () => 'demo',
      () => {},
      again.run,
      { redact: async () => 0, allow: async () => 0, warn: () => {} },
    ).ready();
    expect(again.calls.find((c) => c.name === 'scan')!.result).toMatchObject({ findings: [], scanned: 0 });
  });

  it('a page loaded again gets what is known at once; a timeline that cannot be read is said once, not thrown', async () => {
    const { store } = await seeded();
    const posts: HostMessage[] = [];
    const warned: string[] = [];
    const { run, calls } = recordingRunner();
    let name = 'demo';
    const insights = new PanelInsights(
      store,
      () => name,
      (m) => posts.push(m),
      run,
      {
        redact: async () => undefined,
        allow: async () => undefined,
        warn: (m) => void warned.push(m),
      },
    );
    await insights.ready();
    const n = calls.length;
    posts.length = 0;
    await insights.ready();
    expect(posts.map((p) => p.type)).toEqual(['stats', 'findings']);
    expect(calls.length).toBe(n);
    // A branch that is no agentlog timeline (a plain commit): the jobs fail, the panel says so once.
    const dir = store.dir;
    const blob = execFileSync('git', ['-C', dir, 'hash-object', '-w', '--stdin'], { input: 'x' }).toString().trim();
    const tree = execFileSync('git', ['-C', dir, 'mktree'], { input: `100644 blob ${blob}\tx\n` })
      .toString()
      .trim();
    const commit = execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit-tree', tree, '-m', 'plain']).toString().trim();
    execFileSync('git', ['-C', dir, 'update-ref', 'refs/heads/plain', commit]);
    name = 'plain';
    await insights.update();
    await insights.update();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^plain: /);
  });

  it('says what a redaction rewrites, and warns before a push with each timeline’s findings masked', async () => {
    const { store } = await seeded();
    const tip = store.tipOf('demo')!;
    const scan = await runJob('scan', { dir: store.dir, timeline: 'demo', tip });
    const q = redactQuestion('demo', scan.findings.map(findingVM), 3, UNREDACTED_PREFIX);
    expect(q.message).toBe('Redact github ghp_******** (40 chars) in demo?');
    expect(q.detail).toContain('Events #1–#3 of demo are rewritten');
    expect(q.detail).toContain('#1 content[0].text: github ghp_******** (40 chars)');
    expect(q.detail).toContain(`${UNREDACTED_PREFIX}demo`);
    const w = pushWarning([{ timeline: 'demo', findings: scan.findings }], 'origin');
    expect(w.message).toBe('Push to origin would send 1 finding(s) that look like secrets, in 1 timeline(s). Nothing was sent.');
    expect(w.detail.split('\n').slice(0, 2)).toEqual(['demo:', '  #1 content[0].text: github ghp_******** (40 chars)']);
    expect(`${q.detail}${w.detail}`).not.toContain(github.secret.slice(4));
    expect(statsVM(await runJob('stats', { dir: store.dir, timeline: 'demo', tip: store.history(tip).next().value!.oid })).line).toContain('4 events');
    const hit = { timeline: 'demo', seq: 2, cid: 'bafyabcdefgh12345678', ts: 1_000_000, kind: 'message', role: 'assistant', score: 1, field: 'text' as const };
    expect(hitItem({ ...hit, snippet: { text: 'Reading the config.', marks: [] } }, 1_000_000 + 3 * 3_600_000)).toEqual({
      label: 'demo #2',
      description: 'message · assistant · 3 h ago · 12345678',
      detail: 'Reading the config.',
    });
  });
});

describe('the worker thread (dist/coreWorker.js, bundled here as the extension bundles it)', () => {
  let worker: CoreWorker;
  beforeAll(async () => {
    const out = tmpdir('agentlog-worker-');
    await esbuild.build({
      entryPoints: [path.resolve(__dirname, '../../extension/src/coreWorker.ts')],
      outfile: path.join(out, 'coreWorker.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['cbor-extract'],
      define: { 'import.meta.url': '""' },
      logLevel: 'error',
    });
    // As extension/build.mjs does: the search index's SQLite loads its WebAssembly from beside the bundle.
    fs.copyFileSync(path.resolve(__dirname, '../../node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(out, 'node-sqlite3-wasm.wasm'));
    worker = new CoreWorker(path.join(out, 'coreWorker.js'));
  }, 60_000);
  afterAll(() => worker?.dispose());

  it('searches with progress, and a push that would send a secret is refused with the findings as data; nothing reaches the remote', async () => {
    const { dir, store } = await seeded();
    const progress: unknown[] = [];
    const found = await worker.run('search', { dir, query: 'config' }, (p) => progress.push(p));
    expect(found.hits.map((h) => [h.timeline, h.seq])).toEqual([['demo', 2]]);
    expect(progress.length).toBeGreaterThan(0);
    const bare = path.join(tmpdir('agentlog-remote-'), 'r.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', bare]);
    const refused = await worker.run('push', { dir, remote: 'origin' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(JobError);
    const e = refused as JobError;
    expect(e.code).toBe('E_SECRET');
    expect(refusedTimelines(e).map((d) => [d.timeline, d.findings.map((f) => f.rule)])).toEqual([['demo', ['github']]]);
    expect(e.message).not.toContain(github.secret);
    expect(allObjectBytes(bare).length).toBe(0);
    // Push Anyway: sent as it is, this once.
    const report = await worker.run('push', { dir, remote: 'origin', allowSecrets: true });
    expect(report.timelines).toEqual([expect.objectContaining({ name: 'demo', status: 'pushed' })]);
    expect(execFileSync('git', ['-C', bare, 'rev-parse', 'demo'], { encoding: 'utf8' }).trim()).toBe(store.tipOf('demo'));
  });

  it('an error without a code crosses as a plain JobError; jobs after it still run', async () => {
    const { dir, store } = await seeded();
    const err = await worker.run('stats', { dir, timeline: 'demo', tip: '0'.repeat(40) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).message).toMatch(/0{40}|not found|missing/i);
    const ok = await worker.run('stats', { dir, timeline: 'demo', tip: store.tipOf('demo')! });
    expect(ok.total.events).toBe(4);
  });
});

describe('the page’s finding marks and stats line (headless chromium)', () => {
  let pp: Awaited<ReturnType<typeof panelPage>>;
  beforeAll(async () => {
    pp = await panelPage();
  }, 60_000);
  afterAll(() => pp?.close());

  it('marks the events holding findings (a prompt in place, a tool result after its fold), sends Redact and Allow, keeps the marks over a new page', async () => {
    const { store } = await seeded();
    await store.append('demo', { kind: 'message', role: 'assistant', content: [{ type: 'tool_use', id: 't2', name: 'Bash', input: { command: 'cat .env' } }] });
    await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: aws.text }] });
    const tip = store.tipOf('demo')!;
    const events = store.readEvents(tip).map((e) => e.event);
    const turns = turnsVM(readTurns(events), (seq) => events[seq]);
    const { findings } = await runJob('scan', { dir: store.dir, timeline: 'demo', tip });
    const vms = findings.map(findingVM);
    expect(vms.map((f) => [f.seq, f.rule])).toEqual([
      [1, 'github'],
      [5, 'aws'],
    ]);
    const header: HeaderVM = { store: store.dir, timeline: 'demo', title: 'Deploy', tipSeq: 5, viewSeq: 5, past: false, followsHead: false, model: 'none' };
    const page = await pp.open();
    const rendered = async () => ((await pp.sent(page)).filter((m) => m.type === 'rendered').at(-1) as { state: RenderedState }).state;
    await pp.post(page, { type: 'reset', header, turns, firstSeq: 0, lastSeq: 5, hasOlder: false });
    await pp.post(page, { type: 'findings', findings: vms });
    expect((await rendered()).findings).toBe(2);
    expect(await page.locator('.prompt[data-seq="1"] .finding-mark .finding-text').textContent()).toBe(
      '⚠ Looks like a secret in #1 content[0].text: github ghp_******** (40 chars)',
    );
    // The result is inside the call's fold: the mark is drawn after the fold, visible while it is closed.
    const awsMark = page.locator('.finding-mark[data-finding-seq="5"]');
    expect(await awsMark.isVisible()).toBe(true);
    expect(await awsMark.evaluate((m) => m.previousElementSibling?.matches('details.step') ?? false)).toBe(true);
    // The marks name the rule and the masked form only (the transcript shows the event as it is, until redacted).
    for (const t of await page.locator('.finding-mark').allTextContents()) for (const s of [github, aws]) expect(t).not.toContain(s.secret.slice(4));
    await page.locator('.prompt[data-seq="1"] button.redact').click();
    expect((await pp.sent(page)).at(-1)).toEqual({ type: 'redact', fingerprint: vms[0].fingerprint });
    await awsMark.locator('button.allow-finding').click();
    expect((await pp.sent(page)).at(-1)).toEqual({ type: 'allow', fingerprint: vms[1].fingerprint });
    // Stats in the header.
    await pp.post(page, { type: 'stats', stats: statsVM(await runJob('stats', { dir: store.dir, timeline: 'demo', tip })) });
    expect(await page.locator('header .stats').textContent()).toMatch(/^6 events · 1 turns · 2 tool calls · tokens 1\.2k in/);
    expect((await rendered()).stats).toMatch(/^6 events/);
    // A new page (travel to #2): the marks on the events it shows only.
    await pp.post(page, {
      type: 'reset',
      header: { ...header, viewSeq: 2, past: true },
      turns: turnsVM(readTurns(events.slice(0, 3)), (s) => events[s]),
      firstSeq: 0,
      lastSeq: 2,
      hasOlder: false,
    });
    expect((await rendered()).findings).toBe(1);
    expect(await page.locator('.finding-mark').count()).toBe(1);
    // No findings (after a redaction): no marks.
    await pp.post(page, { type: 'findings', findings: [] });
    expect(await page.locator('.finding-mark').count()).toBe(0);
    expect(pp.violations).toEqual([]);
    await page.close();
  });
});

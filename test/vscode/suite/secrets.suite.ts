/**
 * Secrets, search and stats in a real VS Code (issues 13 and 14), after the other suites, on a
 * session of its own in the same store: a prompt holding a GitHub token and a tool result holding an
 * AWS key (fake, built from parts: test/helpers/secrets.ts). The panel is driven through the headless
 * browser (clicks in its page, the workbench's quick input); VS Code refuses modal dialogs while
 * extension tests run, so their answers are given and their words read through the extension's API.
 * The store and the remote are checked with the git CLI.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { Store } from '../../../core/index.js';
import type { RenderedState } from '../../../extension/shared/protocol.js';
import { fakeSecrets } from '../../helpers/secrets.js';
import { ui, uiUrl } from './ui.js';
import { until } from './until.js';

interface Api {
  panels(): { store: string; timeline: string; rendered?: RenderedState }[];
  refresh(): void;
  /** VS Code refuses modal dialogs in extension tests (they resolve as Cancel): the questions are answered and read through the API. */
  preanswer(answers: (string | undefined)[]): void;
  asked(): { message: string; detail: string; buttons: string[]; answer?: string }[];
}

const storeDir = process.env.AGENTLOG_TEST_STORE!;
const secrets = fakeSecrets('vscode-suite');
const github = secrets.find((s) => s.rule === 'github')!;
const aws = secrets.find((s) => s.rule === 'aws')!;

const texts = async (selector: string, frames = false) => ((await ui({ op: 'texts', selector, frames }))?.texts as string[] | undefined) ?? [];

/** Poll an asynchronous check every 200 ms, or fail naming `what` after `ms`. */
async function poll(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every object reachable from `rev` in the repository at `gitDir`, as bytes. */
const reachableBytes = (gitDir: string, rev: string) => {
  const oids = execFileSync('git', ['-C', gitDir, 'rev-list', '--objects', rev], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]);
  return execFileSync('git', ['-C', gitDir, 'cat-file', '--batch'], { input: `${oids.join('\n')}\n`, maxBuffer: 1 << 30 });
};

describe('secrets, search and stats in a real VS Code', () => {
  let api: Api;
  const leaky = { store: storeDir, timeline: 'leaky' };
  const panel = () => api.panels().find((p) => p.timeline === 'leaky');
  const rendered = (what: string, test: (s: RenderedState) => boolean, ms?: number) =>
    until(
      `the leaky panel: ${what}`,
      () => {
        const s = panel()?.rendered;
        return s && test(s) ? s : undefined;
      },
      ms,
    );

  before(async () => {
    api = (await vscode.extensions.getExtension('agentlog.agentlog-vscode')!.activate()) as Api;
    const store = Store.open(storeDir);
    await store.create('leaky', { kind: 'session', title: 'Deploy the app', agent: { name: 'claude-code' }, model: 'claude-sonnet-4-5' });
    await store.append('leaky', { kind: 'message', role: 'user', content: [{ type: 'text', text: `Deploy it. ${github.text}` }] });
    await store.append('leaky', {
      kind: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 2000 },
      content: [
        { type: 'text', text: 'I will read the zanzibar config first.' },
        { type: 'tool_use', id: 'toolu_env', name: 'Bash', input: { command: 'cat .env' } },
      ],
    });
    await store.append('leaky', { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_env', content: aws.text }] });
    await store.append('leaky', { kind: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Deployed.' }] });
    api.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('marks each seeded secret in the panel on the event holding it: the rule and the masked form, never the secret; the header shows the stats', async () => {
    await vscode.commands.executeCommand('agentlog.openSession', leaky);
    const s = await rendered('two findings and the stats', (r) => r.findings === 2 && !!r.stats, 30_000);
    // claude-sonnet-4 prices per million tokens (core/stats/prices.ts): 3 in, 15 out, 0.3 cache read, 3.75 cache write.
    const cost = (1200 * 3 + 300 * 15 + 50_000 * 0.3 + 2000 * 3.75) / 1e6;
    assert.equal(s.stats, `5 events · 1 turns · 1 tool calls · tokens 1.2k in / 300 out / 50k cache read / 2k cache write · $${cost.toFixed(2)}`);
    if (!uiUrl) return; // a desktop run: no harness to read the page with
    const marks = await texts('.finding-mark', true);
    assert.deepEqual(
      marks.map((m) => m.replace(/Redact….*$/, '')),
      [
        '⚠ Looks like a secret in #1 content[0].text: github ghp_******** (40 chars)',
        '⚠ Looks like a secret in #3 content[0].content: aws ******** (40 chars)',
      ],
    );
    for (const m of marks) for (const secret of [github.secret, aws.secret]) assert.ok(!m.includes(secret.slice(4)), 'a mark holds no secret');
    assert.deepEqual(await texts('header .stats', true), [s.stats]);
  });

  it('searches from the Sessions view’s title bar: typed in its input box, the hit chosen in the quick pick opens the panel at its event', async function () {
    this.timeout(300_000); // the first search indexes the whole store (10,000-event session included)
    if (uiUrl) {
      await vscode.commands.executeCommand('workbench.view.extension.agentlog');
      // The view's title bar (a view alone in its container shows its actions in the container's title).
      await ui({ op: 'click', selector: 'a.action-label[aria-label^="Search Sessions"]:visible' });
      await poll('the search input box', async () => (await texts('.quick-input-widget .quick-input-title')).some((t) => t.includes('Search Sessions')));
      await ui({ op: 'keys', text: 'zanzibar', press: 'Enter' });
      let rows: string[] = [];
      await poll(
        'the hit in the quick pick (the first search builds the index)',
        async () => {
          rows = await texts('.quick-input-list .monaco-list-row');
          return rows.some((r) => r.includes('leaky #2'));
        },
        120_000,
      );
      assert.ok(
        rows.some((r) => r.includes('leaky #2') && r.includes('zanzibar')),
        `the quick pick lists the hit with its snippet: ${JSON.stringify(rows)}`,
      );
      await ui({ op: 'keys', press: 'Enter' });
      const s = await rendered('viewing event #2', (r) => r.past && r.viewSeq === 2, 15_000);
      assert.equal(s.lastSeq, 2);
      await vscode.commands.executeCommand('agentlog.openSession', leaky, { seq: null });
      await rendered('back at the newest', (x) => !x.past);
    }
    // The same through the command, as a script calls it.
    const r = (await vscode.commands.executeCommand('agentlog.search', 'zanzibar', { store: storeDir, pick: 0 })) as {
      hits: { timeline: string; seq: number }[];
      opened: { timeline: string; seq: number };
    };
    assert.deepEqual([r.hits[0].timeline, r.hits[0].seq, r.opened.seq], ['leaky', 2, 2]);
    await rendered('viewing event #2', (x) => x.past && x.viewSeq === 2, 15_000);
    await vscode.commands.executeCommand('agentlog.openSession', leaky, { seq: null });
    await rendered('back at the newest', (x) => !x.past && x.findings === 2);
  });

  it('Redact… from the panel asks first, naming what is rewritten; then the panel shows the redacted timeline, the store verifies, no secret bytes remain in it', async () => {
    const before = Store.open(storeDir).tipOf('leaky')!;
    if (uiUrl) {
      const n = api.asked().length;
      api.preanswer(['Redact']);
      await ui({ op: 'frameClick', selector: '.finding-mark[data-finding-seq="1"] button.redact' });
      const q = await until('the question before the redaction', () => api.asked()[n]);
      assert.equal(q.message, 'Redact github ghp_******** (40 chars) in leaky?');
      assert.ok(q.detail.includes('Events #1–#4 of leaky are rewritten'), q.detail);
      assert.ok(q.detail.includes('refs/agentlog/unredacted/leaky'), q.detail);
      assert.ok(!q.detail.includes(github.secret.slice(4)));
      assert.equal(q.answer, 'Redact');
    } else {
      const fp = (await vscode.commands.executeCommand('agentlog.redact', leaky, { rule: 'github' }, ['Redact'])) as unknown[];
      assert.equal(fp.length, 1);
    }
    await rendered('the redacted timeline, the AWS finding left', (r) => r.findings === 1 && r.tipSeq === 4, 30_000);
    const store = Store.open(storeDir);
    const tip = store.tipOf('leaky')!;
    assert.notEqual(tip, before);
    assert.equal(store.readRef('refs/agentlog/unredacted/leaky'), before, 'the original stays on this machine');
    assert.ok(!reachableBytes(storeDir, 'refs/heads/leaky').includes(github.secret), 'the timeline holds no byte of the token');
    if (uiUrl) {
      const prompts = await texts('article.turn .prompt', true);
      assert.ok(
        prompts.some((t) => t.includes('[redacted:github]')),
        JSON.stringify(prompts),
      );
    }
    const verified = (await vscode.commands.executeCommand('agentlog.verify', { store: storeDir })) as { timeline: string; problem?: unknown }[];
    assert.deepEqual(
      verified.filter((v) => v.problem),
      [],
    );
    assert.ok(verified.some((v) => v.timeline === 'leaky'));
  });

  it('Push warns before sending what holds a finding: cancelled, nothing is sent; Redact, and the push goes without a secret', async () => {
    const bare = `${process.env.AGENTLOG_TEST_WORKSPACE}/../vault.git`;
    execFileSync('git', ['init', '-q', '--bare', bare]);
    execFileSync('git', ['-C', storeDir, 'remote', 'add', 'vault', bare]);
    api.preanswer([undefined]);
    assert.equal(await vscode.commands.executeCommand('agentlog.push', { store: storeDir, remote: 'vault' }), undefined);
    const q = api.asked().at(-1)!;
    assert.equal(q.message, 'Push to vault would send 1 finding(s) that look like secrets, in 1 timeline(s). Nothing was sent.');
    assert.deepEqual(q.buttons, ['Redact', 'Allow', 'Push Anyway']);
    assert.ok(q.detail.startsWith('leaky:\n  #3 content[0].content: aws ******** (40 chars)\n'), q.detail);
    assert.ok(!q.detail.includes(aws.secret), 'the warning holds no secret');
    assert.equal(execFileSync('git', ['-C', bare, 'for-each-ref'], { encoding: 'utf8' }), '', 'nothing was sent');

    api.preanswer(['Redact']);
    const report = (await vscode.commands.executeCommand('agentlog.push', { store: storeDir, remote: 'vault' })) as {
      timelines: { name: string; status: string }[];
    };
    assert.deepEqual(
      report.timelines.filter((t) => t.status === 'rejected'),
      [],
    );
    const store = Store.open(storeDir);
    assert.equal(execFileSync('git', ['-C', bare, 'rev-parse', 'leaky'], { encoding: 'utf8' }).trim(), store.tipOf('leaky'));
    const all = execFileSync('git', ['-C', bare, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], { maxBuffer: 1 << 30 });
    for (const s of [github, aws]) assert.ok(!all.includes(s.secret), `the remote holds no byte of the ${s.rule} secret`);
    await rendered('no finding left', (r) => r.findings === 0, 30_000);
  });
});

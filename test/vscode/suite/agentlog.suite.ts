/**
 * The extension in a real VS Code: the packaged .vsix loaded by the extension host, a workspace with
 * a store (test/vscode/workspace.ts), a scripted model on 127.0.0.1 speaking the OpenAI API.
 * Runs in order: each step builds on the previous one, like a person using it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { Store } from '../../../core/index.js';
import type { RenderedState } from '../../../extension/shared/protocol.js';
import type { SessionNode } from '../../../extension/shared/sessions.js';
import { closedPort } from '../../helpers/port.js';

interface Api {
  sessions(): SessionNode[];
  refresh(): void;
  panels(): { store: string; timeline: string; rendered?: RenderedState; streaming: boolean }[];
  linkFor(store: string, timeline: string, cid: string): string;
  openLink(link: string): void;
}

const storeDir = process.env.AGENTLOG_TEST_STORE!;
const uiUrl = process.env.AGENTLOG_UI_URL;
let api: Api;

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ask the harness (code-shim) about the workbench's DOM, or for a screenshot. Absent on a desktop run. */
async function ui(q: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (!uiUrl) return undefined;
  const r = await fetch(uiUrl, { method: 'POST', body: JSON.stringify(q) });
  const body = (await r.json()) as Record<string, unknown>;
  if (!r.ok) throw new Error(`ui ${JSON.stringify(q)}: ${String(body.error)}`);
  return body;
}

const panel = (timeline: string) => api.panels().find((p) => p.timeline === timeline);
const rendered = (timeline: string, test: (s: RenderedState) => boolean) =>
  until(`the ${timeline} panel to render`, () => {
    const s = panel(timeline)?.rendered;
    return s && test(s) ? s : undefined;
  });
const git = (args: string[]) => execFileSync('git', args, { cwd: storeDir, encoding: 'utf8' });
const label = (n: SessionNode): unknown =>
  n.children.length ? { [n.kind === 'timeline' ? n.name : n.label]: n.children.map(label) } : n.kind === 'timeline' ? n.name : n.label;

describe('agentlog in a real VS Code', () => {
  let model: http.Server;
  let modelUrl = '';
  const requests: { messages: { role: string; content: string }[]; authorization?: string }[] = [];

  before(async () => {
    const ext = vscode.extensions.getExtension('agentlog.agentlog-vscode');
    assert.ok(ext, 'the extension is installed');
    api = (await ext.activate()) as Api;
    model = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', async () => {
        const body = JSON.parse(raw);
        requests.push({ ...body, authorization: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const asked: string = body.messages.at(-1).content.split('\n\n').at(-1);
        const words = `Scripted answer to: ${asked}`.split(/(?<= )/);
        // "slowly" in the question: a long, slow answer, so that a test can press Stop meanwhile.
        const slow = asked.includes('slowly');
        for (const w of slow ? Array.from({ length: 100 }, () => 'word ') : words) {
          if (res.destroyed) break;
          res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: w } }] })}\n\n`);
          await new Promise((r) => setTimeout(r, slow ? 200 : 20));
        }
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
    modelUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => model.close(() => r())));

  it('registers its commands under the agentlog category', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of [
      'agentlog.openSession',
      'agentlog.forkTimeline',
      'agentlog.resume',
      'agentlog.initStore',
      'agentlog.refresh',
      'agentlog.setApiKey',
      'agentlog.captureSessions',
    ]) {
      assert.ok(all.includes(c), `${c} is registered`);
    }
  });

  it('lists the sessions of the workspace store, forks nested', async () => {
    const [store] = api.sessions();
    assert.equal(store.kind, 'store');
    assert.deepEqual(store.children.map(label), ['write-docs', { 'fix-parser': ['fix-parser-tokenizer'] }, 'long-session']);
    const fix = store.children.find((n) => n.kind === 'timeline' && n.name === 'fix-parser')!;
    assert.match(fix.description, /^10 events · .* · claude-code · claude-sonnet-4-5 · fix-parser$/);
    await vscode.commands.executeCommand('workbench.view.extension.agentlog');
    if (uiUrl) {
      const t0 = Date.now();
      let texts: string[] = [];
      while (Date.now() - t0 < 15_000) {
        texts = ((await ui({ op: 'texts', selector: '.monaco-list-row' }))!.texts as string[]) ?? [];
        if (texts.some((t) => t.includes('Fix the JSON parser'))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(
        texts.some((t) => t.includes('Fix the JSON parser')),
        `the Sessions view shows the session: ${JSON.stringify(texts)}`,
      );
      assert.ok(texts.some((t) => t.includes('Document the CLI')));
    }
  });

  it('opens a session panel at the newest event', async () => {
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' });
    const s = await rendered('fix-parser', (r) => r.count > 0);
    assert.deepEqual([s.count, s.lastSeq, s.tipSeq, s.past], [10, 9, 9, false]);
    if (uiUrl) {
      const texts = (await ui({ op: 'texts', selector: 'article.event .md', frames: true }))!.texts as string[];
      assert.ok(
        texts.some((t) => t.includes('<script>alert(1)</script>')),
        'hostile text shown as text',
      );
    }
  });

  it('opens a 10,000-event session at the newest events at once', async () => {
    const t0 = Date.now();
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'long-session' });
    const s = await rendered('long-session', (r) => r.count > 0);
    const ms = Date.now() - t0;
    assert.equal(s.tipSeq, 9999);
    assert.equal(s.lastSeq, 9999);
    assert.ok(s.count <= 100, `the page holds ${s.count} events, not the whole session`);
    assert.ok(ms < 3000, `opened in ${ms} ms`);
    console.log(`      (10,000-event session: first page shown ${ms} ms after the command)`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows an event appended by another writer within a second', async () => {
    const other = Store.open(storeDir);
    const t0 = Date.now();
    const { seq } = await other.append('fix-parser', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'Appended live by another process.' }] });
    await rendered('fix-parser', (r) => r.lastSeq === seq);
    const ms = Date.now() - t0;
    assert.ok(ms < 1500, `shown after ${ms} ms`);
  });

  it('follows `git checkout <commit>` in the store (time travel) and back', async () => {
    const tip = git(['rev-parse', 'fix-parser']).trim();
    const at3 = git(['log', '--format=%H', '--grep', '^Agentlog-Seq: 3$', tip]).trim();
    git(['checkout', '-q', at3]);
    let s = await rendered('fix-parser', (r) => r.past && r.viewSeq === 3);
    assert.equal(s.lastSeq, 3);
    git(['checkout', '-q', 'fix-parser']);
    s = await rendered('fix-parser', (r) => !r.past);
    assert.equal(s.viewSeq, s.tipSeq);
  });

  it('travels to an event from a link-like request and back to the newest', async () => {
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' }, { seq: 2 });
    await rendered('fix-parser', (r) => r.past && r.viewSeq === 2);
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' }, { seq: null });
    await rendered('fix-parser', (r) => !r.past);
  });

  it('opens a copied link at its event (the URI handler)', async () => {
    const s = Store.open(storeDir);
    const ev = s.readEvents(s.tipOf('fix-parser')!)[4];
    const link = api.linkFor(storeDir, 'fix-parser', ev.cid.toString());
    assert.match(link, new RegExp(`^${vscode.env.uriScheme}://agentlog\\.agentlog-vscode/open\\?`));
    // The handler VS Code calls for such a link (code-server's browser routing of links is not tested).
    api.openLink(link);
    await rendered('fix-parser', (r) => r.past && r.viewSeq === 4);
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' }, { seq: null });
    await rendered('fix-parser', (r) => !r.past);
    // A link naming a store outside the workspace (it could come from any web page) opens nothing.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-outside-'));
    Store.init(outside);
    const before = api.panels().length;
    api.openLink(api.linkFor(outside, 'fix-parser', ev.cid.toString()));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(api.panels().length, before);
    assert.ok(!api.panels().some((p) => p.store === outside));
  });

  it('forks a timeline; the original is untouched and the fork is nested in the view', async () => {
    const before = Store.open(storeDir).tipOf('fix-parser');
    const name = await vscode.commands.executeCommand('agentlog.forkTimeline', { store: storeDir, timeline: 'fix-parser' }, 'fix-parser-try2');
    assert.equal(name, 'fix-parser-try2');
    const s = Store.open(storeDir);
    assert.equal(s.tipOf('fix-parser'), before);
    assert.equal(s.tipOf('fix-parser-try2'), before);
    await until('the fork in the view', () => {
      const fix = api.sessions()[0].children.find((n) => n.kind === 'timeline' && n.name === 'fix-parser');
      return fix?.children.some((c) => c.kind === 'timeline' && c.name === 'fix-parser-try2');
    });
  });

  it('resumes with a model endpoint: the answer streams in and both messages are appended', async () => {
    const cfg = vscode.workspace.getConfiguration('agentlog.model');
    await cfg.update('endpoint', modelUrl, vscode.ConfigurationTarget.Global);
    await cfg.update('name', 'scripted-gpt', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentlog.setApiKey', 'sk-test-secret');
    const tipSeq = Store.open(storeDir).commitInfo(Store.open(storeDir).tipOf('fix-parser')!).seq;
    await vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Please also handle comments.');
    const s = Store.open(storeDir);
    const events = s.readEvents(s.tipOf('fix-parser')!).map((e) => e.event);
    assert.equal(events.length, tipSeq + 3);
    assert.deepEqual(events.at(-2)!.content, [{ type: 'text', text: 'Please also handle comments.' }]);
    assert.deepEqual(events.at(-1)!.content, [{ type: 'text', text: 'Scripted answer to: Please also handle comments.' }]);
    assert.equal(events.at(-1)!.model, 'scripted-gpt');
    assert.ok(
      requests.at(-1)!.messages.some((m) => m.content.includes('trailing commas')),
      'the model got the conversation',
    );
    assert.equal(requests.at(-1)!.authorization, 'Bearer sk-test-secret', 'the key from secret storage was sent');
    await rendered('fix-parser', (r) => r.lastSeq === tipSeq + 2);
  });

  it('resuming from the past forks first', async () => {
    const before = Store.open(storeDir).tipOf('fix-parser');
    const name = await vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Start over from here.', 1);
    assert.equal(name, 'fix-parser-fork-1');
    const s = Store.open(storeDir);
    assert.equal(s.tipOf('fix-parser'), before);
    const fork = s.readEvents(s.tipOf('fix-parser-fork-1')!).map((e) => e.event);
    assert.deepEqual(
      fork.map((e) => e.seq),
      [0, 1, 2, 3],
    );
    assert.equal(s.forkRecords()['fix-parser-fork-1'], 'fix-parser');
  });

  if (uiUrl)
    it('stops a streaming answer from the panel and appends nothing', async () => {
      await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' });
      const before = Store.open(storeDir).tipOf('fix-parser');
      const resumed = vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Answer slowly, please.');
      await rendered('fix-parser', (r) => r.streaming);
      await ui({ op: 'frameClick', selector: 'button.stop' });
      await resumed;
      const s = await rendered('fix-parser', (r) => !r.streaming && r.error !== '');
      assert.match(s.error, /Stopped\. Nothing was appended/);
      assert.equal(Store.open(storeDir).tipOf('fix-parser'), before);
    });

  it('closing the panel during a streamed answer stops it and appends nothing', async () => {
    await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' });
    const before = Store.open(storeDir).tipOf('fix-parser');
    const resumed = vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Answer slowly, please.');
    await rendered('fix-parser', (r) => r.streaming);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await resumed;
    assert.ok(!api.panels().some((p) => p.timeline === 'fix-parser'), 'the panel is closed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(Store.open(storeDir).tipOf('fix-parser'), before);
  });

  it('shows a model error in the panel and appends nothing', async () => {
    const cfg = vscode.workspace.getConfiguration('agentlog.model');
    const port = await closedPort();
    await cfg.update('endpoint', `http://127.0.0.1:${port}/v1`, vscode.ConfigurationTarget.Global);
    const before = Store.open(storeDir).tipOf('fix-parser');
    await vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Will this fail?');
    const s = await rendered('fix-parser', (r) => r.error.includes('cannot reach'));
    assert.match(s.error, new RegExp(`cannot reach http://127.0.0.1:${port}/v1/chat/completions.*Nothing was appended`));
    assert.equal(Store.open(storeDir).tipOf('fix-parser'), before);
    await cfg.update('endpoint', modelUrl, vscode.ConfigurationTarget.Global);
  });

  it('with the VS Code language-model provider and no models (code-server has none), says so and appends nothing', async () => {
    const cfg = vscode.workspace.getConfiguration('agentlog.model');
    await cfg.update('provider', 'vscode', vscode.ConfigurationTarget.Global);
    const before = Store.open(storeDir).tipOf('fix-parser');
    try {
      assert.deepEqual(await vscode.lm.selectChatModels({}), [], 'this VS Code offers no language models');
      await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' });
      await vscode.commands.executeCommand('agentlog.resume', { store: storeDir, timeline: 'fix-parser' }, 'Anyone there?');
      const s = await rendered('fix-parser', (r) => r.error.includes('No language model is available'));
      assert.match(s.error, /agentlog\.model\.endpoint/);
      assert.equal(Store.open(storeDir).tipOf('fix-parser'), before);
    } finally {
      await cfg.update('provider', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('verifies the store off the host thread (the host stays responsive)', async () => {
    let worst = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      worst = Math.max(worst, Date.now() - last);
      last = Date.now();
    }, 20);
    const results = (await vscode.commands.executeCommand('agentlog.verify', { store: storeDir })) as { timeline: string; events: number; problem?: unknown }[];
    clearInterval(tick);
    assert.ok(worst < 1000, `the extension host stalled ${worst} ms`);
    assert.ok(results.find((r) => r.timeline === 'long-session')!.events === 10_000);
    assert.ok(results.length >= 6);
    assert.deepEqual(
      results.filter((r) => r.problem),
      [],
    );
    assert.ok(results.find((r) => r.timeline === 'fix-parser')!.events >= 13);
  });

  it('imports a Claude Code session; it appears in the Sessions view', async () => {
    const before = Store.open(storeDir).timelines().size;
    const summary = (await vscode.commands.executeCommand('agentlog.importClaude', { store: storeDir, files: [process.env.AGENTLOG_TEST_CLAUDE_FILE!] })) as {
      sessions: number;
      events: { appended: number };
    };
    assert.equal(summary.sessions, 1);
    assert.ok(summary.events.appended > 5);
    assert.ok(Store.open(storeDir).timelines().size > before);
    await until('the imported session in the view', () => api.sessions()[0].children.length >= 3);
  });

  it('pushes to and pulls from a remote', async () => {
    const bare = `${process.env.AGENTLOG_TEST_WORKSPACE}/../remote.git`;
    execFileSync('git', ['init', '-q', '--bare', bare]);
    git(['remote', 'add', 'origin', bare]);
    const pushed = (await vscode.commands.executeCommand('agentlog.push', { store: storeDir, remote: 'origin' })) as {
      timelines: { name: string; status: string }[];
    };
    assert.ok(pushed.timelines.length >= 5);
    assert.deepEqual(
      pushed.timelines.filter((t) => t.status === 'rejected'),
      [],
    );
    assert.equal(execFileSync('git', ['rev-parse', 'fix-parser'], { cwd: bare, encoding: 'utf8' }).trim(), Store.open(storeDir).tipOf('fix-parser'));
    const pulled = (await vscode.commands.executeCommand('agentlog.pull', { store: storeDir, remote: 'origin' })) as { timelines: { status: string }[] };
    assert.ok(
      pulled.timelines.every((t) => t.status === 'up-to-date'),
      JSON.stringify(pulled.timelines),
    );
  });

  // Only where the harness can see the workbench (code-shim); a desktop run has no screenshot service.
  if (uiUrl)
    it('takes screenshots, dark and light', async () => {
      await vscode.commands.executeCommand('agentlog.openSession', { store: storeDir, timeline: 'fix-parser' }, { seq: 7 });
      await rendered('fix-parser', (r) => r.viewSeq === 7);
      await vscode.commands.executeCommand('workbench.view.extension.agentlog');
      await ui({ op: 'click', selector: '.monaco-list-row[aria-level="2"][aria-expanded="false"]:has-text("Fix the JSON parser") .monaco-tl-twistie' });
      const workbench = vscode.workspace.getConfiguration('workbench');
      for (const [theme, name] of [
        ['Default Dark Modern', 'vscode-dark'],
        ['Default Light Modern', 'vscode-light'],
        ['Default High Contrast', 'vscode-high-contrast'],
      ]) {
        await workbench.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        await new Promise((r) => setTimeout(r, 1500));
        await ui({ op: 'hover', selector: 'article.event[data-seq="7"] .bar' });
        await new Promise((r) => setTimeout(r, 200));
        await ui({ op: 'screenshot', name });
      }
    });
});

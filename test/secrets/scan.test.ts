import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EventInput, importFiles, scanTimelines, Store } from '../../core/index.js';
import { parseAllowList } from '../../core/secrets/allow.js';
import { Scanner } from '../../core/secrets/scan.js';
import { stringsOf } from '../../core/secrets/strings.js';
import { cliOk, cli } from '../helpers/cli.js';
import { fakeSecrets } from '../helpers/secrets.js';
import { sharedFixtures } from '../helpers/shared.js';
import { clock, tmpdir } from '../helpers/tmp.js';

const shared = sharedFixtures();

async function storeWith(events: EventInput[]): Promise<Store> {
  const { store } = Store.init(path.join(tmpdir(), 's'), { now: clock() });
  await store.create('talk', { kind: 'session', title: 'a session' });
  for (const e of events) await store.append('talk', e);
  return store;
}

describe('secrets: detection', () => {
  it('finds each kind of fake secret wherever an event holds text: text, thinking, tool input, tool result, kept record, alt text', async () => {
    const secrets = fakeSecrets();
    const places = [
      (t: string) => ({ kind: 'message', role: 'user', content: [{ type: 'text', text: t }] }),
      (t: string) => ({ kind: 'message', role: 'assistant', content: [{ type: 'thinking', thinking: t, signature: 'c2ln' }] }),
      (t: string) => ({ kind: 'message', role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: t } }] }),
      (t: string) => ({ kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: t }] }] }),
      (t: string) => ({ kind: 'message', role: 'user', content: [], source: { format: 'claude', record: { type: 'user', message: { content: t } } } }),
      (t: string) => ({ kind: 'message', role: 'user', content: [{ type: 'image', media_type: 'image/png', data: new Uint8Array([1, 2, 3]), alt: t }] }),
    ];
    const paths = [
      'content[0].text',
      'content[0].thinking',
      'content[0].input.command',
      'content[0].content[0].text',
      'source.record.message.content',
      'content[0].alt',
    ];
    const events = secrets.map((s, i) => places[i % places.length](s.text));
    const store = await storeWith(events);
    const [r] = await scanTimelines(store, [{ name: 'talk', commit: store.tipOf('talk')! }]);
    expect(r.findings.map((f) => [f.seq, f.rule, f.path])).toEqual(secrets.map((s, i) => [i + 1, s.rule, paths[i % paths.length]]));
    const all = store.readEvents(store.tipOf('talk')!);
    for (const f of r.findings) {
      expect(f.cid).toBe(all[f.seq].cid.toString());
      expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(f.timeline).toBe('talk');
    }
    // Nothing of a secret is in a finding, except a public prefix
    const json = JSON.stringify(r.findings);
    for (const s of secrets) expect(json).not.toContain(s.secret.slice(8, 24));
  });

  it('never scans links, ids, signatures or image bytes: a key-shaped string there is not a finding', async () => {
    const gh = fakeSecrets().find((s) => s.rule === 'github')!.secret;
    const event: EventInput = {
      kind: 'message',
      role: 'assistant',
      id: gh,
      uuid: gh,
      parentUuid: gh,
      sessionId: gh,
      content: [
        { type: 'thinking', thinking: 'ok', signature: gh },
        { type: 'tool_result', tool_use_id: gh, content: 'done' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: gh } },
      ],
    };
    expect([...stringsOf(event)].map((p) => p.path)).toEqual([
      'kind',
      'role',
      'content[0].type',
      'content[0].thinking',
      'content[1].type',
      'content[1].content',
      'content[2].type',
      'content[2].source.type',
      'content[2].source.media_type',
    ]);
    const store = await storeWith([event]);
    const [r] = await scanTimelines(store, [{ name: 'talk', commit: store.tipOf('talk')! }]);
    expect(r.findings).toEqual([]);
  });

  it('the same secret has the same fingerprint in every event; the allow list takes a finding by fingerprint or a whole rule', async () => {
    const [aws, gh] = fakeSecrets();
    const store = await storeWith([
      { kind: 'note', text: gh.text },
      { kind: 'note', text: `again: ${gh.text}` },
      { kind: 'note', text: aws.text },
    ]);
    const tip = store.tipOf('talk')!;
    const [r] = await scanTimelines(store, [{ name: 'talk', commit: tip }]);
    expect(r.findings.map((f) => f.rule)).toEqual(['github', 'github', 'aws']);
    expect(r.findings[0].fingerprint).toBe(r.findings[1].fingerprint);
    const events = store.readEvents(tip).slice(1);
    const scanWith = async (allow: string) => {
      const s = new Scanner('talk', parseAllowList(allow));
      for (const [i, stored] of events.entries()) await s.add({ stored, commit: `c${i}` });
      return (await s.done()).map((f) => f.rule);
    };
    expect(await scanWith(`finding:${r.findings[0].fingerprint}`)).toEqual(['aws']);
    expect(await scanWith('rule:aws # the example keys of our docs')).toEqual(['github', 'github']);
    expect(() => parseAllowList('rule:aws\nfindng:0123456789abcdef')).toThrow(/line 2/);
  });

  it('a secret in a string longer than a batch, and strings split across batches, are found at their place', async () => {
    const gh = fakeSecrets().find((s) => s.rule === 'github')!;
    const filler = 'lorem ipsum dolor sit amet '.repeat(50_000); // 1.35 MB: more than a batch
    const store = await storeWith([
      { kind: 'note', text: filler },
      { kind: 'note', text: `${filler}${gh.text}` },
      { kind: 'note', text: 'short', more: [filler, gh.text] },
    ]);
    const [r] = await scanTimelines(store, [{ name: 'talk', commit: store.tipOf('talk')! }]);
    expect(r.findings.map((f) => [f.seq, f.path])).toEqual([
      [2, 'text'],
      [3, 'more[1]'],
    ]);
  });
});

describe('secrets: long strings', () => {
  it('a string of several batches is scanned in overlapping windows: each secret found once, at its offset, on either side of every window edge', async () => {
    const gh = fakeSecrets('window').find((s) => s.rule === 'github')!;
    const MB = 1 << 20;
    const step = MB - (1 << 16); // where the second window starts
    // secrets straddling the first window's ownership edge and its end, one in the second window's middle, one at the very end
    const at = [step - 20, MB - 20, step + 700_000, 3 * MB - gh.secret.length];
    const chars = Array.from({ length: 3 * MB }, (_, i) => ' .,;'[i % 4])
      .join('')
      .split('');
    for (const a of at) chars.splice(a, gh.secret.length, ...gh.secret);
    const text = chars.join('');
    const store = await storeWith([{ kind: 'note', text }]);
    const [r] = await scanTimelines(store, [{ name: 'talk', commit: store.tipOf('talk')! }]);
    expect(r.findings.map((f) => [f.start, f.rule])).toEqual(at.map((a) => [a, 'github']));
    for (const f of r.findings) expect(text.slice(f.start, f.end)).toBe(gh.secret);
  });
});

describe('secrets: agentlog scan', () => {
  it('prints each finding masked (never the secret) and exits 1; --json names timeline, seq, CID, path, rule, fingerprint', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    const secrets = fakeSecrets('cli');
    await cliOk(dir, ['new', '--name', 'talk', '--title', 'a session']);
    for (const s of secrets) await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', s.text]);
    await cliOk(dir, ['new', '--name', 'clean', '--title', 'nothing here']);
    const res = await cli(dir, ['scan']);
    expect(res.code).toBe(1);
    for (const s of secrets) {
      expect(res.out).not.toContain(s.secret);
      expect(res.err).not.toContain(s.secret);
    }
    expect(res.out.trim().split('\n')).toHaveLength(secrets.length);
    expect(res.err).toContain(`${secrets.length} finding(s) in 1 of 2 timeline(s)`);
    const json = JSON.parse((await cli(dir, ['scan', 'talk', '--json'])).out);
    expect(json[0].findings.map((f: { rule: string }) => f.rule)).toEqual(secrets.map((s) => s.rule));
    expect(Object.keys(json[0].findings[0]).sort()).toEqual(['cid', 'commit', 'end', 'fingerprint', 'masked', 'path', 'rule', 'seq', 'start', 'timeline']);
    const clean = await cli(dir, ['scan', 'clean']);
    expect([clean.code, clean.out, clean.err]).toEqual([0, '', 'no secrets found in 1 timeline(s)\n']);
    // the allow list, kept in the store: the finding is gone from the scan
    for (const f of json[0].findings) await cliOk(dir, ['allow', `finding:${f.fingerprint}`]);
    expect((await cli(dir, ['scan'])).code).toBe(0);
    expect((await cliOk(dir, ['allow'])).out.trim().split('\n')).toHaveLength(secrets.length);
  });
});

if (shared)
  describe('secrets: the real fixtures', () => {
    it('every real Claude Code and Codex session in ../shared/fixtures scans without a finding (false positives: 0)', async () => {
      const root = shared!;
      const files = (sub: string) =>
        fs
          .readdirSync(path.join(root, sub), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.jsonl'))
          .map((f) => path.join(root, sub, f));
      const { store } = Store.init(path.join(tmpdir(), 's'), { now: clock() });
      await importFiles(store, 'claude', files('claude-code'), { warn: () => {} });
      await importFiles(store, 'codex', files('codex'), { warn: () => {} });
      const targets = [...store.timelines()].map(([name, commit]) => ({ name, commit }));
      expect(targets.length).toBeGreaterThan(20);
      const results = await scanTimelines(store, targets);
      expect(results.reduce((n, r) => n + r.scanned, 0)).toBeGreaterThan(5000);
      expect(results.flatMap((r) => r.findings.map((f) => `${f.timeline} ${f.seq} ${f.path} ${f.rule}`))).toEqual([]);
    });
  });

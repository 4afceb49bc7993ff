import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CID } from '../../core/codec/cid.js';
import { type Event, sealEvent, type StoredEvent } from '../../core/event/event.js';
import { Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { allObjectBytes, fakeSecrets } from '../helpers/secrets.js';
import { ENV } from '../helpers/sync.js';
import { tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const server = useGitHttpServer();

/** What an event was before a redaction, as far as its bytes tell: `replaces` dropped, `prev` given. */
function unredacted(e: StoredEvent, prev: CID | null): string {
  const { replaces: _, ...rest } = e.event as Event & { replaces?: unknown };
  return sealEvent({ ...rest, prev } as Event).cid.toString();
}

describe('secrets: redact', () => {
  it('rewrites from the first affected event, forks sharing it consistently; verify passes and names the redactions; push then sends no copy of a secret', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    await cliOk(dir, ['new', '--name', 'talk', '--title', 'deploy']);
    const secrets = fakeSecrets('redact');
    await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', 'hello']); // seq 1: before any secret
    await cliOk(dir, ['fork', 'talk', '--name', 'early']); // left before the secrets: not affected
    for (const s of secrets) await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', `use ${s.text}`]); // seq 2..7
    await cliOk(dir, ['fork', 'talk@4', '--name', 'side']); // shares seq 2..4 with talk
    await cliOk(dir, ['append', 'side', '--role', 'user', '--text', `side: ${secrets[1].text}`]);
    await cliOk(dir, ['append', 'side', '--role', 'assistant', '--text', 'ok']);
    await cliOk(dir, ['append', 'talk', '--role', 'assistant', '--text', 'deployed']);
    const gitDir = path.join(dir, '.agentlog', '.git');
    const store = Store.open(path.join(dir, '.agentlog'));
    const before = { talk: store.readEvents(store.tipOf('talk')!), side: store.readEvents(store.tipOf('side')!), early: store.tipOf('early') };

    const res = await cli(dir, ['redact', 'talk', '--all', '--json']);
    expect(res.code, res.err).toBe(0);
    const done = JSON.parse(res.out) as Array<{ timeline: string; from: number; rewritten: number; kept: string; oldTip: string; findings: unknown[] }>;
    expect(done.map((d) => [d.timeline, d.from, d.rewritten, d.findings.length, d.kept])).toEqual([
      ['side', 2, 5, 4, 'refs/agentlog/unredacted/side'],
      ['talk', 2, 7, 6, 'refs/agentlog/unredacted/talk'],
    ]);
    expect(store.tipOf('early')).toBe(before.early);
    const after = { talk: store.readEvents(store.tipOf('talk')!), side: store.readEvents(store.tipOf('side')!) };
    // Before the first affected event: the same events; from it on: new CIDs, each naming the one it replaces.
    expect(after.talk.slice(0, 2).map((e) => e.cid.toString())).toEqual(before.talk.slice(0, 2).map((e) => e.cid.toString()));
    for (const [name, evs] of Object.entries(after)) {
      const old = before[name as 'talk' | 'side'];
      for (const e of evs.slice(2)) {
        expect(CID.asCID(e.event.replaces)?.toString()).toBe(old[e.event.seq].cid.toString());
        expect(e.cid.toString()).not.toBe(old[e.event.seq].cid.toString());
        // an event without a secret differs only by prev and the link: the original's CID comes back
        const text = JSON.stringify(old[e.event.seq].event.content);
        if (!secrets.some((s) => text.includes(s.secret.slice(0, 30))))
          expect(unredacted(e, old[e.event.seq].event.prev)).toBe(old[e.event.seq].cid.toString());
        else expect(JSON.stringify(e.event.content)).toMatch(/\[redacted:[a-z]+\]/);
      }
    }
    // one rewrite per shared commit: talk and side hold the very same commits for seq 2..4
    const commits = (tip: string) => new Map([...store.history(tip)].map((c) => [c.seq, c.oid]));
    const [t, s] = [commits(store.tipOf('talk')!), commits(store.tipOf('side')!)];
    for (const seq of [2, 3, 4]) expect(s.get(seq)).toBe(t.get(seq));
    expect(s.get(5)).not.toBe(t.get(5));
    // nothing of a secret in any object the redacted timelines reach (events, trees, commit messages)
    const objectIds = execFileSync('git', ['-C', gitDir, 'rev-list', '--objects', 'talk', 'side'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter(Boolean);
    const reachable = execFileSync('git', ['-C', gitDir, 'cat-file', '--batch'], { input: `${objectIds.join('\n')}\n`, maxBuffer: 1 << 28 }).toString('latin1');
    const texts = JSON.stringify([...after.talk, ...after.side].map((e) => e.event));
    for (const sec of secrets) {
      expect(texts).not.toContain(sec.secret);
      expect(reachable).not.toContain(sec.secret);
    }
    // the original, kept locally
    expect(store.readRef('refs/agentlog/unredacted/talk')).toBe(done[1].oldTip);
    expect(JSON.stringify(store.readEvents(done[1].oldTip).map((e) => e.event.content))).toContain(secrets[0].secret);

    const verified = await cli(dir, ['verify']);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.err).toContain('ok   talk: 9 events; redacted: 7 event(s) from seq 2 rewritten');
    expect(verified.err).toContain('ok   side: 7 events; redacted: 5 event(s) from seq 2 rewritten');
    expect(execFileSync('git', ['-C', gitDir, 'fsck', '--strict'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    expect((await cli(dir, ['scan'])).code).toBe(0);

    const bare = path.join(server.root, 'redacted.git');
    await cliOk(dir, ['remote', 'add', 'origin', server.bare('redacted.git')], { env: ENV });
    await cliOk(dir, ['push'], { env: ENV });
    expect(execFileSync('git', ['-C', bare, 'for-each-ref', '--format=%(refname)'], { encoding: 'utf8' })).toBe(
      'refs/heads/early\nrefs/heads/side\nrefs/heads/talk\n',
    );
    const objects = allObjectBytes(bare);
    for (const sec of secrets) expect(objects.includes(sec.secret)).toBe(false);
    // and a clone of it verifies
    const other = tmpdir();
    await cliOk(other, ['clone', `${server.url}/redacted.git`, '.agentlog'], { env: ENV });
    expect((await cli(other, ['verify'])).code).toBe(0);
  });

  it('a remote that still holds the original (pushed with --allow-secrets) is not taken back by push or pull: the timeline is rejected, saying what to do', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    await cliOk(dir, ['new', '--name', 'talk', '--title', 't']);
    const gh = fakeSecrets('remote').find((s) => s.rule === 'github')!;
    await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', gh.text]);
    await cliOk(dir, ['new', '--name', 'other', '--title', 'o']);
    await cliOk(dir, ['remote', 'add', 'origin', server.bare('sent.git')], { env: ENV });
    await cliOk(dir, ['push', '--allow-secrets'], { env: ENV });
    await cliOk(dir, ['redact', 'talk', '--all']);
    const store = Store.open(path.join(dir, '.agentlog'));
    const redacted = store.tipOf('talk');
    await cliOk(dir, ['append', 'other', '--role', 'user', '--text', 'more']);
    const pushed = await cli(dir, ['push', '-v'], { env: ENV });
    expect(pushed.code).toBe(1);
    expect(pushed.err + pushed.out).toContain('as it was before a redaction (kept here as refs/agentlog/unredacted/talk)');
    expect(store.tipOf('talk')).toBe(redacted);
    expect(execFileSync('git', ['-C', path.join(server.root, 'sent.git'), 'rev-parse', 'other'], { encoding: 'utf8' }).trim()).toBe(store.tipOf('other'));
    const pulled = await cli(dir, ['pull', '-v'], { env: ENV });
    expect(pulled.err + pulled.out).toContain('before a redaction');
    expect(store.tipOf('talk')).toBe(redacted);
    expect([...store.timelines().keys()]).toEqual(['other', 'talk']);
    // once deleted there, the redacted timeline goes
    execFileSync('git', ['-C', path.join(server.root, 'sent.git'), 'update-ref', '-d', 'refs/heads/talk']);
    await cliOk(dir, ['push'], { env: ENV });
    expect(execFileSync('git', ['-C', path.join(server.root, 'sent.git'), 'rev-parse', 'talk'], { encoding: 'utf8' }).trim()).toBe(redacted);
  });

  it('--finding takes one secret only; a second redaction keeps the first original and its own as NAME.2; nothing to redact is an error', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    await cliOk(dir, ['new', '--name', 'talk', '--title', 't']);
    const [aws, gh] = fakeSecrets('one');
    await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', gh.text]);
    await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', aws.text]);
    const found = JSON.parse((await cli(dir, ['scan', '--json'])).out)[0].findings as Array<{ fingerprint: string; rule: string }>;
    const ghFinding = found.find((f) => f.rule === 'github')!;
    await cliOk(dir, ['redact', 'talk', '--finding', ghFinding.fingerprint]);
    const left = JSON.parse((await cli(dir, ['scan', '--json'])).out)[0].findings as Array<{ rule: string; seq: number }>;
    expect(left.map((f) => [f.rule, f.seq])).toEqual([['aws', 2]]);
    await cliOk(dir, ['redact', 'talk', '--rule', 'aws']);
    const store = Store.open(path.join(dir, '.agentlog'));
    expect([...store.listRefs('refs/agentlog/unredacted/').keys()]).toEqual(['refs/agentlog/unredacted/talk', 'refs/agentlog/unredacted/talk.2']);
    const none = await cli(dir, ['redact', 'talk', '--all']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('nothing to redact in talk');
    const usage = await cli(dir, ['redact', 'talk']);
    expect(usage.code).toBe(1);
    expect(usage.err).toContain('--rule RULE, --finding FINGERPRINT or --all');
  });
});

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanOutgoing, Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { allObjectBytes, fakeSecrets } from '../helpers/secrets.js';
import { ENV } from '../helpers/sync.js';
import { tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const server = useGitHttpServer();

/** A store with a timeline `talk` holding every fake secret, and a clean timeline `clean`. */
async function seeded(seed: string): Promise<{ dir: string; secrets: ReturnType<typeof fakeSecrets> }> {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  await cliOk(dir, ['new', '--name', 'talk', '--title', 'deploy the app']);
  const secrets = fakeSecrets(seed);
  for (const s of secrets) await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', `please use this: ${s.text}`]);
  await cliOk(dir, ['append', 'talk', '--role', 'assistant', '--text', 'done']);
  await cliOk(dir, ['new', '--name', 'clean', '--title', 'nothing secret here']);
  return { dir, secrets };
}

describe('secrets: push and export refuse what holds secrets', () => {
  it('push through a real git HTTP server is refused, naming the timeline and each finding masked; the remote receives no object holding a secret', async () => {
    const { dir, secrets } = await seeded('push');
    const bare = path.join(server.root, 'refused.git');
    await cliOk(dir, ['remote', 'add', 'origin', server.bare('refused.git')], { env: ENV });
    const res = await cli(dir, ['push'], { env: ENV });
    expect(res.code).toBe(1);
    expect(res.err).toContain('push refused: 1 timeline(s) hold what looks like secrets');
    expect(res.err).toContain('  talk:');
    expect(res.err).toContain('agentlog redact talk --all');
    // five findings listed, the rest counted
    for (const s of secrets.slice(0, 5)) expect(res.err).toContain(` ${s.rule} `);
    expect(res.err).toContain('… and 1 more (agentlog scan talk)');
    for (const s of secrets) expect(res.err).not.toContain(s.secret);
    const objects = allObjectBytes(bare);
    for (const s of secrets) expect(objects.includes(s.secret)).toBe(false);
    expect(execFileSync('git', ['-C', bare, 'for-each-ref'], { encoding: 'utf8' })).toBe('');
    // The clean timeline alone goes; the store's own copy of the secrets is untouched.
    await cliOk(dir, ['push', 'origin', 'clean'], { env: ENV });
    expect(execFileSync('git', ['-C', bare, 'for-each-ref', '--format=%(refname)'], { encoding: 'utf8' })).toBe('refs/heads/clean\n');
    for (const s of secrets) expect(allObjectBytes(bare).includes(s.secret)).toBe(false);
    // export is refused the same way
    const exp = await cli(dir, ['export', 'claude', 'talk']);
    expect([exp.code, exp.out]).toEqual([1, '']);
    expect(exp.err).toContain('export refused');
    expect((await cli(dir, ['export', 'claude', 'talk', '--allow-secrets'])).code).toBe(0);
  });

  it('the allow list lets a finding through; --allow-secrets sends all, this once', async () => {
    const { dir, secrets } = await seeded('allow');
    await cliOk(dir, ['remote', 'add', 'origin', server.bare('allowed.git')], { env: ENV });
    const found = JSON.parse((await cli(dir, ['scan', 'talk', '--json'])).out)[0].findings as Array<{ fingerprint: string; rule: string }>;
    expect(found).toHaveLength(secrets.length);
    // all but the basic-auth URL allowed: still refused, for that one only
    for (const f of found.filter((f) => f.rule !== 'basicauth')) await cliOk(dir, ['allow', `finding:${f.fingerprint}`]);
    const res = await cli(dir, ['push'], { env: ENV });
    expect(res.code).toBe(1);
    expect(res.err.match(/ finding [0-9a-f]{16}/g)).toHaveLength(1);
    expect(res.err).toContain(' basicauth ');
    await cliOk(dir, ['allow', 'rule:basicauth']);
    await cliOk(dir, ['push'], { env: ENV });
    const other = tmpdir();
    await cliOk(other, ['init']);
    await cliOk(other, ['new', '--name', 'talk2', '--title', 'x']);
    await cliOk(other, ['append', 'talk2', '--role', 'user', '--text', secrets[1].text]);
    await cliOk(other, ['remote', 'add', 'origin', server.bare('forced.git')], { env: ENV });
    expect((await cli(other, ['push'], { env: ENV })).code).toBe(1);
    await cliOk(other, ['push', '--allow-secrets'], { env: ENV });
    expect(allObjectBytes(path.join(server.root, 'forced.git')).includes(secrets[1].secret)).toBe(true);
  });

  it('a push scans only what the remote lacks, and a tip scanned clean is not scanned again', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    await cliOk(dir, ['new', '--name', 'talk', '--title', 't']);
    for (let i = 0; i < 20; i++) await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', `step ${i}`]);
    const store = Store.open(path.join(dir, '.agentlog'));
    const tip = () => store.tipOf('talk')!;
    expect((await scanOutgoing(store, [{ name: 'talk', next: tip() }])).scanned).toBe(21);
    expect((await scanOutgoing(store, [{ name: 'talk', next: tip() }])).scanned).toBe(0); // marked clean
    await cliOk(dir, ['append', 'talk', '--role', 'user', '--text', 'one more']);
    expect((await scanOutgoing(store, [{ name: 'talk', next: tip() }])).scanned).toBe(1);
    // what the remote holds is not scanned: a fresh marks file, the remote's tip given
    fs.rmSync(path.join(store.gitDir, 'agentlog', 'scanned.json'));
    const held = [...store.history(tip())][5].oid;
    expect((await scanOutgoing(store, [{ name: 'talk', next: tip() }], [held])).scanned).toBe(5);
    // a marks file that does not check is no marks
    fs.writeFileSync(path.join(store.gitDir, 'agentlog', 'scanned.json'), '{"v":1}\n0');
    expect((await scanOutgoing(store, [{ name: 'talk', next: tip() }])).scanned).toBe(22);
  });
});

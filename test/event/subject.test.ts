import { describe, expect, it } from 'vitest';
import { commitSubject, maskCredentials } from '../../core/event/subject.js';
import { summarize, type Event } from '../../core/event/event.js';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

// Issue 17, point 17: a commit subject leaves the machine with every push and shows on a git host's
// pages, so it carries the event's words but never what looks like a credential. The secrets here are
// fake, built from parts so that no scanner takes this file for a leak.
const alnum = (n: number, seed = 7) =>
  Array.from({ length: n }, (_, i) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[(i * seed + 3) % 62]).join('');
const secrets: Record<string, { text: string; secret: string }> = {
  'AWS access key id': { secret: `AKIA${'IOSFODNN7'}${'EXAMPLE'}`, text: '' },
  'AWS secret key': { secret: `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${'EXAMPLEKEY'}`, text: '' },
  'GitHub token': { secret: `ghp_${alnum(36)}`, text: '' },
  'OpenAI key': { secret: `sk-proj-${alnum(40, 11)}`, text: '' },
  'Anthropic key': { secret: `sk-ant-api03-${alnum(60, 13)}`, text: '' },
  'Slack token': { secret: `xoxb-${'123456789012'}-${alnum(24, 5)}`, text: '' },
  'password in a URL': { secret: 's3cret-Pa55', text: '' },
  'password=': { secret: 'hunter2hunter', text: '' },
  'bearer token': { secret: `eyJ${alnum(30, 17)}.${alnum(20, 19)}`, text: '' },
  'private key block': { secret: alnum(64, 23), text: '' },
};
secrets['AWS access key id'].text = `here are the creds: ${secrets['AWS access key id'].secret} please deploy`;
secrets['AWS secret key'].text = `AWS_SECRET_ACCESS_KEY=${secrets['AWS secret key'].secret}`;
secrets['GitHub token'].text = `use ${secrets['GitHub token'].secret} to push`;
secrets['OpenAI key'].text = `my key is ${secrets['OpenAI key'].secret}`;
secrets['Anthropic key'].text = `export ANTHROPIC_API_KEY="${secrets['Anthropic key'].secret}"`;
secrets['Slack token'].text = `slack: ${secrets['Slack token'].secret}`;
secrets['password in a URL'].text = `git clone https://alice:${secrets['password in a URL'].secret}@git.example.com/repo.git`;
secrets['password='].text = `login with password=${secrets['password='].secret} now`;
secrets['bearer token'].text = `curl -H "Authorization: Bearer ${secrets['bearer token'].secret}" https://api.example.com`;
secrets['private key block'].text = `-----BEGIN RSA PRIVATE KEY-----\n${secrets['private key block'].secret}\n-----END RSA PRIVATE KEY-----`;

const said = (text: string): Event => ({ v: 1, kind: 'message', seq: 1, prev: null, ts: 0, role: 'user', content: [{ type: 'text', text }] }) as Event;

describe('commit subjects carry no credentials (core/event/subject.ts; issue 17, point 17)', () => {
  for (const [kind, { text, secret }] of Object.entries(secrets)) {
    it(`masks ${kind}, in whole and in part`, () => {
      const subject = commitSubject(said(text));
      expect(subject).toContain('[…]');
      // Not the secret, nor any 8-character piece of it.
      for (let i = 0; i + 8 <= secret.length; i++) expect(subject).not.toContain(secret.slice(i, i + 8));
    });
  }

  it('leaves words alone: prose, commands, paths, tool calls', () => {
    for (const text of [
      'Why does login fail on the staging server?',
      'Run npm test and fix the failing suite in src/components/Button.tsx',
      'pass the test suite with the token bucket limiter',
      'the password reset flow sends an email',
    ]) {
      expect(commitSubject(said(text))).toBe(summarize(said(text)));
    }
    const call = {
      v: 1,
      kind: 'message',
      seq: 2,
      prev: null,
      ts: 0,
      role: 'assistant',
      content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls -la src' } }],
    } as Event;
    expect(commitSubject(call)).toBe('assistant: → Bash({"command":"ls -la src"})');
  });

  it('masks before it cuts: a key at the edge of 72 characters shows no part of itself', () => {
    const key = `sk-ant-api03-${alnum(80, 29)}`;
    const subject = commitSubject(said(`${'word '.repeat(12)}${key}`));
    expect(subject.length).toBeLessThanOrEqual(72);
    for (let i = 0; i + 6 <= key.length - 13; i++) expect(subject).not.toContain(key.slice(13 + i, 13 + i + 6));
  });

  it('masks each rule on its own', () => {
    expect(maskCredentials('token: abcd1234efgh')).toBe('token: […]');
    expect(maskCredentials('api_key=xyzw')).toBe('api_key=[…]');
    expect(maskCredentials('see https://bob:pw1234@host/x')).toBe('see https://[…]@host/x');
    expect(maskCredentials('commit 0123456789abcdef0123456789abcdef01234567 landed')).toBe('commit […] landed');
    expect(maskCredentials('a_very_long_identifier_name_without_digits')).toBe('a_very_long_identifier_name_without_digits');
  });

  it('no subject in `git log` of a store holds any of the secrets, while the events keep them', async () => {
    const { dir, store } = await sessionWith(0);
    for (const { text } of Object.values(secrets)) await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text }] });
    const log = git(dir, ['log', '--format=%an <%ae>%n%B', 'talk']);
    for (const { secret } of Object.values(secrets)) {
      for (let i = 0; i + 8 <= secret.length; i++) expect(log).not.toContain(secret.slice(i, i + 8));
    }
    expect(log).toContain('user: here are the creds: […] please deploy');
    const events = store.readEvents(store.tipOf('talk')!);
    expect(events.map((e) => JSON.stringify(e.event.content ?? '')).join()).toContain(secrets['GitHub token'].secret);
  });
});

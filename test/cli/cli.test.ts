import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Values } from '../../cli/command.js';
import { exportCommand } from '../../cli/commands/export.js';
import { commands } from '../../cli/commands/index.js';
import type { resumeCommand } from '../../cli/commands/resume.js';
import type { show } from '../../cli/commands/show.js';
import { cli, storeWithSession } from '../helpers/cli.js';
import { git, tmpdir } from '../helpers/tmp.js';

describe('agentlog CLI', () => {
  it('--help and COMMAND --help exit 0 and list every command', async () => {
    const top = await cli(tmpdir(), ['--help']);
    expect(top.code).toBe(0);
    for (const c of commands) expect(top.out).toContain(c.name);
    for (const c of commands) {
      const r = await cli(tmpdir(), [c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.out).toContain(`usage: ${c.usage}`);
    }
  });

  it("types each command's values from its own option table (checked by tsc -p test, no casts in the commands)", () => {
    expectTypeOf<Values<{ json: { type: 'boolean' }; out: { type: 'string'; short: 'o' } }>>().toEqualTypeOf<{ json?: boolean; out?: string }>();
    expectTypeOf<Values<{ tag: { type: 'string'; multiple: true }; depth: { type: 'string'; default: '1' } }>>().toEqualTypeOf<{
      tag?: string[];
      depth: string;
    }>();
    expectTypeOf<Parameters<typeof show.run>[1]>().toEqualTypeOf<{
      json?: boolean;
      turn?: string;
      full?: boolean;
      all?: boolean;
      raw?: boolean;
      records?: boolean;
    }>();
    expectTypeOf<Parameters<typeof exportCommand.run>[1]>().toEqualTypeOf<{
      out?: string;
      'session-id'?: string;
      cwd?: string;
      json?: boolean;
      'allow-secrets'?: boolean;
    }>();
    expectTypeOf<Parameters<typeof resumeCommand.run>[1]>().toEqualTypeOf<{ with?: string; cwd?: string; exec?: boolean; json?: boolean }>();
    expect(Object.keys(exportCommand.options ?? {})).toEqual(['out', 'session-id', 'cwd', 'json', 'allow-secrets']);
  });

  it('init, new, append, show, log, cat: names and CIDs on stdout, messages on stderr', async () => {
    const { dir, name } = await storeWithSession();
    expect(name).toBe('fix-login');
    const a = await cli(dir, ['append', name, '--role', 'user', '--text', 'Login fails with 500']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^bafyrei[a-z2-7]+\n$/);
    const cid = a.out.trim();
    const show = await cli(dir, ['show', name]);
    expect(show.out).toContain('Login fails with 500');
    expect(show.err).toBe('');
    const json = JSON.parse((await cli(dir, ['show', name, '--records', '--json'])).out);
    expect(json.map((e: { cid: { '/': string } }) => e.cid['/'])).toHaveLength(2);
    expect(json[1].cid['/']).toBe(cid);
    const log = await cli(dir, ['log', name]);
    expect(log.out.split('\n')[1]).toBe(`1\t${cid.slice(-8)}\tmessage\tuser: Login fails with 500`);
    const cat = JSON.parse((await cli(dir, ['cat', cid])).out);
    expect(cat.role).toBe('user');
    expect(cat.prev['/']).toBe(json[0].cid['/']);
    // git reads the same
    expect(git(path.join(dir, '.agentlog'), ['log', '--format=%s', name]).split('\n')[0]).toBe('user: Login fails with 500');
  });

  it('append --json takes JSONL or one object, fills v/seq/prev/ts, and stops at a malformed line naming it', async () => {
    const { dir, name } = await storeWithSession();
    const ok = await cli(dir, ['append', name, '--json', '-'], { stdin: '{"kind":"note","text":"a"}\n{"kind":"odd","x":{"/":{"bytes":"AQI"}},"ts":5}\n' });
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out.trim().split('\n')).toHaveLength(2);
    const obj = await cli(dir, ['append', name, '--json', '-'], { stdin: '{\n  "kind": "note",\n  "text": "pretty"\n}\n' });
    expect(obj.code, obj.err).toBe(0);
    const bad = await cli(dir, ['append', name, '--json', '-'], { stdin: '{"kind":"note","text":"good"}\n{"kind": nope}\n{"kind":"note","text":"never"}\n' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/standard input line 2/);
    expect(bad.out.trim().split('\n')).toHaveLength(1);
    const events = JSON.parse((await cli(dir, ['show', name, '--records', '--json'])).out);
    expect(events.map((e: { text?: string; kind: string }) => e.text ?? e.kind)).toEqual(['session', 'a', 'odd', 'pretty', 'good']);
    expect(events[2]).toMatchObject({ v: 1, seq: 2, ts: 5, x: { '/': { bytes: 'AQI' } } });
    // Well-formed JSON that is no valid event (an integer past DAG-CBOR's range): the same, though
    // the lines around it were handed to the store together.
    const unencodable = await cli(dir, ['append', name, '--json', '-'], {
      stdin: '{"kind":"note","text":"kept"}\n{"kind":"note","n":18446744073709551616}\n{"kind":"note","text":"never"}\n',
    });
    expect(unencodable.code).toBe(1);
    expect(unencodable.err).toMatch(/standard input line 2: /);
    expect(unencodable.out.trim().split('\n')).toHaveLength(1);
    const after = JSON.parse((await cli(dir, ['show', name, '--records', '--json'])).out);
    expect(after.map((e: { text?: string; kind: string }) => e.text ?? e.kind).slice(-2)).toEqual(['good', 'kept']);
    const noKind = await cli(dir, ['append', name, '--json', '-'], { stdin: '{"text":"no kind"}\n' });
    expect(noKind.code).toBe(1);
    expect(noKind.err).toMatch(/line 1: the event has no "kind"/);
  });

  it('fork, ls and verify', async () => {
    const { dir, name } = await storeWithSession();
    for (const t of ['one', 'two', 'three']) await cli(dir, ['append', name, '--role', 'user', '--text', t]);
    const f = await cli(dir, ['fork', `${name}@2`]);
    expect(f.out.trim()).toBe(`${name}-at-2`);
    await cli(dir, ['append', `${name}-at-2`, '--role', 'user', '--text', 'other']);
    const ls = await cli(dir, ['ls']);
    expect(ls.out).toMatch(new RegExp(`^${name}\\tagentlog\\t\\t[^\\t]+\\t4\\t\\tFix login$`, 'm'));
    expect(ls.out).toMatch(new RegExp(`^${name}-at-2\\tagentlog\\t\\t[^\\t]+\\t4\\t${name}@2\\tFix login$`, 'm'));
    const lsJson = JSON.parse((await cli(dir, ['ls', '--json'])).out);
    expect(lsJson[0].timelines[0].forks[0]).toMatchObject({ name: `${name}-at-2`, forkOf: name, forkSeq: 2 });
    const v = await cli(dir, ['verify']);
    expect(v.code).toBe(0);
    expect(v.err).toContain('all 2 timeline(s) verified');
    const shown = await cli(dir, ['show', `${name}-at-2`]);
    expect(shown.out).toContain('other');
    expect(shown.out).not.toContain('three');
  });

  it('resolves REVs: NAME@N, commit ids, CIDs and HEAD', async () => {
    const { dir, name } = await storeWithSession();
    const cid = (await cli(dir, ['append', name, '--role', 'user', '--text', 'x'])).out.trim();
    await cli(dir, ['append', name, '--role', 'user', '--text', 'y']);
    const store = path.join(dir, '.agentlog');
    const commit = git(store, ['rev-parse', `${name}~1`]).trim();
    for (const rev of [`${name}@1`, commit, commit.slice(0, 7), cid]) {
      const r = await cli(dir, ['log', rev]);
      expect(r.code, rev).toBe(0);
      expect(r.out.trim().split('\n'), rev).toHaveLength(2);
    }
    // Nothing checked out: the timeline appended to last, named on stderr.
    const noHead = await cli(dir, ['show']);
    expect(noHead.code).toBe(0);
    expect(noHead.err).toMatch(/^agentlog: reading fix-login \(the timeline appended to last/);
    git(store, ['checkout', '-q', commit]);
    expect((await cli(dir, ['log'])).out.trim().split('\n')).toHaveLength(2);
  });

  it('bad input: a clear message, exit ≠ 0, no stack trace', async () => {
    const empty = tmpdir();
    const noStore = await cli(empty, ['ls']);
    expect(noStore.code).toBe(1);
    expect(noStore.err).toMatch(/no agentlog store here.*agentlog init/);
    const { dir, name } = await storeWithSession();
    const cases: Array<[string[], RegExp]> = [
      [['append', 'nope', '--role', 'user', '--text', 'x'], /no timeline named nope/],
      [['append', name, '--role', 'robot', '--text', 'x'], /--role must be one of/],
      [['new', '--name', '../escape'], /not a valid timeline name/],
      [['new', '--name', 'fix-login'], /already exists/],
      [['show', 'nothing-here'], /names no timeline, commit or event/],
      [['show', `${name}@99`], /has no event seq 99/],
      [['cat', 'not-a-cid'], /"not-a-cid" names no timeline, commit or event/],
      [['cat', 'bafyreibdog5gxx3dtigu5seq5yapbgwhsbki7gkhnebtqog64xiloxxrl4'], /no event/],
      [['append', name, '--json', 'missing.jsonl'], /no such file/],
      [['show', '--bogus'], /unknown option --bogus/],
      [['frobnicate'], /unknown command/],
      [['ls', '--store', path.join(empty, 'nowhere')], /does not exist/],
    ];
    for (const [args, why] of cases) {
      const r = await cli(dir, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err, args.join(' ')).toMatch(why);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    }
  });

  it('session text never reaches the terminal as control characters (log, import warnings, error messages)', async () => {
    const { dir, name } = await storeWithSession();
    const esc = '\x1b]0;pwned\x07';
    const lines = [
      { kind: `${esc}x`, text: 'a' },
      { kind: 'message', role: 'user', content: [{ type: 'text', text: `hi \u009b31m red ${esc}` }] },
    ];
    expect((await cli(dir, ['append', name, '--json', '-'], { stdin: lines.map((l) => JSON.stringify(l)).join('\n') })).code).toBe(0);
    const log = await cli(dir, ['log', name]);
    expect(log.code).toBe(0);
    const file = path.join(tmpdir(), 'esc.jsonl');
    const rec = {
      type: 'user',
      uuid: 'u1',
      parentUuid: esc,
      sessionId: `s1${esc}`,
      timestamp: '2025-01-01T00:00:00Z',
      message: { role: 'user', content: 'hi' },
    };
    fs.writeFileSync(file, `${esc} not json\n${JSON.stringify(rec)}\n`);
    const imported = await cli(dir, ['import', 'claude', file]);
    expect(imported.code).toBe(0);
    expect(imported.err).toMatch(/esc.jsonl:1: not valid JSON/);
    expect(imported.err).toMatch(/esc.jsonl:2: parent .*pwned/);
    const bad = await cli(dir, ['show', esc]);
    expect(bad.code).toBe(1);
    const exported = await cli(dir, ['export', 'claude', 'claude/esc', '--out', path.join(tmpdir(), 'out.jsonl')]);
    expect(exported.err).toMatch(/wrote 1 record\(s\) of session s1/);
    for (const text of [log.out, imported.err, bad.err, exported.err]) expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('an event ts beyond what a JavaScript Date holds (any safe integer is valid) does not break ls or export', async () => {
    const { dir, name } = await storeWithSession();
    expect(
      (
        await cli(dir, ['append', name, '--json', '-'], {
          stdin: JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text: 'far' }], ts: Number.MAX_SAFE_INTEGER }),
        })
      ).code,
    ).toBe(0);
    const ls = await cli(dir, ['ls']);
    expect(ls.err).toBe('');
    expect(ls.out).toContain('+275760-09-13 00:00:00Z');
    for (const format of ['claude', 'codex']) {
      const r = await cli(dir, ['export', format, name]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('+275760-09-13T00:00:00.000Z');
    }
  });

  it('finds the store by --store, $AGENTLOG_STORE, the repository around the cwd, or .agentlog upward; a plain clone works', async () => {
    const { dir, name } = await storeWithSession();
    const store = path.join(dir, '.agentlog');
    const deep = path.join(dir, 'a', 'b');
    fs.mkdirSync(deep, { recursive: true });
    expect((await cli(deep, ['log', name])).code).toBe(0);
    expect((await cli(path.join(store, '.git'), ['log', name, '--store', store])).code).toBe(0);
    expect((await cli(tmpdir(), ['log', name], { env: { AGENTLOG_STORE: store } })).code).toBe(0);
    const clone = path.join(tmpdir(), 'clone');
    git(path.dirname(clone), ['clone', '-q', store, clone]);
    git(clone, ['branch', '-q', name, `origin/${name}`]);
    const r = await cli(tmpdir(), ['show', name, '--store', clone]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Fix login');
  });

  it('demo builds a store from the shipped sample, forks, appends and verifies', async () => {
    const cwd = tmpdir();
    const r = await cli(cwd, ['demo']);
    expect(r.code, r.err).toBe(0);
    const store = r.out.trim();
    expect(store).toBe(path.join(cwd, 'agentlog-demo'));
    expect(r.err).toMatch(/verify fix-date-test: ok, 12 events/);
    expect(r.err).toMatch(/Try next/);
    expect(git(store, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(store, ['branch', '--format=%(refname:short)']).trim().split('\n')).toEqual(['agentlog@store', 'fix-date-test', 'fix-date-test-other-fix']);
    expect((await cli(cwd, ['demo'])).out.trim()).toBe(path.join(cwd, 'agentlog-demo-2'));
  });
});

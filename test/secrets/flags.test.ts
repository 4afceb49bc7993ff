import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flagNew, Store } from '../../core/index.js';
import { Lock } from '../../core/git/lock.js';
import { cli, cliOk } from '../helpers/cli.js';
import { fakeSecrets } from '../helpers/secrets.js';
import { tmpdir } from '../helpers/tmp.js';

// Capture and import never scan (a hook blocks its agent); what they brought in is scanned after, in
// the background (`agentlog scan --new`, cli/autoScan.ts), and what it finds waits in `agentlog status`.

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const SESSION = '5ec7e7a1-0000-4000-8000-000000000001';

/** A Claude Code transcript line: a user prompt or an assistant answer, chained by parentUuid. */
function line(n: number, text: string): string {
  const uuid = `5ec7e7a1-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const parentUuid = n === 1 ? null : `5ec7e7a1-0000-4000-8000-${String(n - 1).padStart(12, '0')}`;
  const base = { parentUuid, isSidechain: false, userType: 'external', cwd: '/tmp/p', sessionId: SESSION, version: '2.1.332', uuid };
  const ts = new Date(Date.UTC(2026, 11, 3, 10, 0, n)).toISOString();
  const rec =
    n % 2
      ? { ...base, type: 'user', message: { role: 'user', content: text }, timestamp: ts }
      : {
          ...base,
          type: 'assistant',
          message: { id: `msg_${n}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text }] },
          timestamp: ts,
        };
  return `${JSON.stringify(rec)}\n`;
}

async function project() {
  const dir = tmpdir('flags-');
  await cliOk(dir, ['init']);
  const store = path.join(dir, '.agentlog');
  const file = path.join(dir, `${SESSION}.jsonl`);
  return { dir, store, file, gitDir: path.join(store, '.git') };
}

const status = async (dir: string) =>
  JSON.parse((await cliOk(dir, ['status', '--json'])).out) as { findings: Array<{ timeline: string; seq: number; kind: string; what: string }> | null };

describe('secrets: scanned after capture and import, waiting in status', () => {
  it('a capture hook leaves the scan for after; status lists the finding masked; a later scan reads only what is new; redacting clears it', async () => {
    const { dir, store, file, gitDir } = await project();
    const secret = fakeSecrets('flags')[2]; // a GitHub token in a command line
    fs.writeFileSync(file, line(1, 'deploy the site') + line(2, 'which token?') + line(3, `use ${secret.text}`) + line(4, 'done'));
    const hook = (autoScan: 'wait' | 'off') =>
      cliOk(dir, ['capture', 'hook', 'claude', '--store', store], {
        autoScan,
        stdin: JSON.stringify({ session_id: SESSION, transcript_path: file, cwd: dir, hook_event_name: 'Stop' }),
      });
    expect((await status(dir)).findings).toBeNull(); // never scanned: not an invented "none"

    await hook('wait');
    const s = await status(dir);
    expect(s.findings).toHaveLength(1);
    const [f] = s.findings!;
    expect(f.timeline).toBe(`claude/${SESSION}`);
    expect(f.kind).toBe('secret');
    expect(f.what).toContain(secret.rule);
    const text = (await cliOk(dir, ['status'])).out;
    expect(text).toMatch(/findings\s+1 waiting/);
    expect(text).toContain('agentlog redact');
    // The secret itself is nowhere: not in what status prints, not in the file the scan keeps.
    for (const where of [text, JSON.stringify(s), fs.readFileSync(path.join(gitDir, 'agentlog', 'findings.json'), 'utf8')]) {
      expect(where).not.toContain(secret.secret);
      expect(where).not.toContain(secret.secret.slice(8));
    }

    // Two more records, captured with the scan left off: the next scan reads only those, and the finding stays.
    const st = Store.open(store);
    const tipBefore = st.tipOf(`claude/${SESSION}`)!;
    const seqBefore = st.history(tipBefore).next().value!.seq;
    fs.appendFileSync(file, line(5, 'and the docs?') + line(6, 'published'));
    await hook('off');
    const seqAfter = st.history(st.tipOf(`claude/${SESSION}`)!).next().value!.seq;
    const r = JSON.parse((await cli(dir, ['scan', '--new', '--json'])).out) as { ran: boolean; events: number; flagged: Array<{ count: number }> };
    expect(r.ran).toBe(true);
    expect(r.events).toBe(seqAfter - seqBefore);
    expect(r.flagged.map((t) => t.count)).toEqual([1]);
    expect((await status(dir)).findings).toHaveLength(1);
    // Nothing new: nothing scanned.
    expect(JSON.parse((await cli(dir, ['scan', '--new', '--json'])).out).events).toBe(0);

    await cliOk(dir, ['redact', `claude/${SESSION}`, '--all']);
    expect((await status(dir)).findings).toEqual([]); // the rewritten timeline no longer leads to what was flagged
    const again = JSON.parse((await cliOk(dir, ['scan', '--new', '--json'])).out) as { events: number; flagged: unknown[] };
    expect(again.flagged).toEqual([]);
    expect(again.events).toBeGreaterThan(0);
    expect((await cliOk(dir, ['status'])).out).toMatch(/findings\s+none waiting/);
  });

  it('by default an import starts `agentlog scan --new` detached: the command returns, the child records the finding', async () => {
    const { dir, gitDir, file } = await project();
    const secret = fakeSecrets('detached')[3];
    fs.writeFileSync(file, line(1, `my key is ${secret.text}`) + line(2, 'noted'));
    const env = { ...process.env, AGENTLOG_AUTO_SCAN: '' };
    const r = spawnSync(process.execPath, [BIN, 'import', 'claude', file], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const findings = path.join(gitDir, 'agentlog', 'findings.json');
    const lock = path.join(gitDir, 'agentlog', 'scan-new.lock');
    for (let i = 0; i < 600 && (!fs.existsSync(findings) || fs.existsSync(lock)); i++) await new Promise((ok) => setTimeout(ok, 100));
    const s = await status(dir);
    expect(s.findings?.map((f) => [f.timeline, f.seq > 0, f.what.includes(secret.rule)])).toEqual([[`claude/${SESSION}`, true, true]]);
  }, 120_000);

  it('one scan at a time: a scan that finds another running leaves a request, and the running one scans again', async () => {
    const { dir, store, file, gitDir } = await project();
    fs.writeFileSync(file, line(1, 'hello') + line(2, 'hi'));
    await cliOk(dir, ['import', 'claude', file]);
    const s = Store.open(store);
    // Held by someone else: the scan returns at once, leaving its request.
    const held = Lock.acquireNow(path.join(gitDir, 'agentlog', 'scan-new'));
    const waiting = await flagNew(s);
    expect(waiting.ran).toBe(false);
    expect(fs.existsSync(path.join(gitDir, 'agentlog', 'scan-new.again'))).toBe(true);
    held.release();
    // Two at once in one process: the second finds the first running; the first takes its request.
    const [a, b] = await Promise.all([flagNew(s), flagNew(s)]);
    expect([a.ran, b.ran]).toEqual([true, false]);
    expect(a.events).toBe(s.history(s.tipOf(`claude/${SESSION}`)!).next().value!.seq + 1); // every event, once
    expect(fs.existsSync(path.join(gitDir, 'agentlog', 'scan-new.again'))).toBe(false);
    expect(fs.existsSync(path.join(gitDir, 'agentlog', 'scan-new.lock'))).toBe(false);
  });

  it('a damaged findings file reads as never scanned, and the next scan rebuilds it', async () => {
    const { dir, file, gitDir } = await project();
    const secret = fakeSecrets('damaged')[0];
    fs.writeFileSync(file, line(1, `export ${secret.text}`) + line(2, 'ok'));
    await cliOk(dir, ['import', 'claude', file], { autoScan: 'wait' });
    expect((await status(dir)).findings).toHaveLength(1);
    const findings = path.join(gitDir, 'agentlog', 'findings.json');
    fs.writeFileSync(findings, fs.readFileSync(findings, 'utf8').replace('"seq":', '"seq" :'));
    expect((await status(dir)).findings).toBeNull();
    // The tip was not marked clean (it holds a finding): the next scan reads it again.
    expect(JSON.parse((await cli(dir, ['scan', '--new', '--json'])).out).flagged).toHaveLength(1);
    expect((await status(dir)).findings).toHaveLength(1);
    expect((await cli(dir, ['scan', '--new', 'main'])).err).toMatch(/give no REV/);
  });
});

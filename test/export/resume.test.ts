import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../core/import/index.js';
import { cli } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

const TREE = path.join(OWN_FIXTURES, 'claude-code/tree.jsonl');
const ROLLOUT = jsonlFiles(path.join(OWN_FIXTURES, 'codex'))[0];
const SID = '7d0c1f2e-0000-4000-8000-000000000001';

async function setup() {
  const store = freshStore();
  await importFiles(store, 'claude', [TREE]);
  await importFiles(store, 'codex', [ROLLOUT]);
  const home = tmpdir();
  const project = path.join(tmpdir(), 'my project');
  fs.mkdirSync(project);
  return { store, home, project, env: { HOME: home, PATH: process.env.PATH } };
}

describe('resume', () => {
  it('at the tip: writes the session where Claude Code looks for the project folder, records as recorded, same id; prints the command', async () => {
    const { store, home, project, env } = await setup();
    const r = await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project], { env });
    expect(r.code).toBe(0);
    const file = path.join(home, '.claude', 'projects', project.replace(/[^A-Za-z0-9]/g, '-'), `${SID}.jsonl`);
    expect(r.err).toContain(`wrote ${file}`);
    expect(r.out).toBe(`cd '${project}' && claude --resume ${SID}\n`);
    const records = jsonLines(file) as Obj[];
    const original = (jsonLines(TREE) as Obj[]).filter((x, i) => i !== 10 && i !== 11 && !x.isSidechain);
    expect(records).toHaveLength(original.length);
    // As recorded, cwd included: the agent runs in the project folder; a rewrite would make the
    // records differ from the stored ones, and what the agent appends would not extend the timeline.
    for (let i = 0; i < records.length; i++) expect(records[i]).toEqual(original[i]);
    // the subagents the session started, beside it where Claude Code keeps them, as recorded
    const subDir = path.join(path.dirname(file), SID, 'subagents');
    const subs = fs.readdirSync(path.join(path.dirname(TREE), 'tree', 'subagents')).sort();
    expect(fs.readdirSync(subDir).sort()).toEqual(subs);
    for (const f of subs) expect(jsonLines(path.join(subDir, f))).toEqual(jsonLines(path.join(path.dirname(TREE), 'tree', 'subagents', f)));
    // again: the same file, the same id
    const again = await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project, '--json'], { env });
    expect(JSON.parse(again.out)).toMatchObject({ sessionId: SID, file, newId: false, command: ['claude', '--resume', SID] });
    // the agent's own file, with its key order and spacing (not ours): the same records, the same id
    const reordered = records.map((x) => `${JSON.stringify(Object.fromEntries(Object.entries(x).reverse()), null, 1).replace(/\n\s*/g, ' ')}\n`).join('');
    fs.writeFileSync(file, reordered);
    const kept = await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project, '--json'], { env });
    expect(JSON.parse(kept.out)).toMatchObject({ sessionId: SID, file, newId: false });
  });

  it('from an older point: a new session id, and the original session file stays as it was', async () => {
    const { store, home, project, env } = await setup();
    await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project], { env });
    const dir = path.join(home, '.claude', 'projects', project.replace(/[^A-Za-z0-9]/g, '-'));
    const original = fs.readFileSync(path.join(dir, `${SID}.jsonl`), 'utf8');
    const r = await cli(store.dir, ['resume', 'claude/tree@4', '--with', 'claude', '--cwd', project, '--json'], { env });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.newId).toBe(true);
    expect(plan.sessionId).not.toBe(SID);
    expect(plan.file).toBe(path.join(dir, `${plan.sessionId}.jsonl`));
    const records = jsonLines(plan.file) as Obj[];
    expect(records).toHaveLength(4);
    expect(records.filter((x) => 'sessionId' in x).every((x) => x.sessionId === plan.sessionId)).toBe(true);
    expect(fs.readFileSync(path.join(dir, `${SID}.jsonl`), 'utf8')).toBe(original);
    // a fork at its tip is another conversation than the session file: a new id as well
    const fork = JSON.parse((await cli(store.dir, ['resume', 'claude/tree.fork-10aaf000', '--with', 'claude', '--cwd', project, '--json'], { env })).out);
    expect(fork.newId).toBe(true);
    expect(jsonLines(fork.file)).toHaveLength(5);
    expect(fs.readFileSync(path.join(dir, `${SID}.jsonl`), 'utf8')).toBe(original);
    // the same older point gives the same new id (derived from the commit)
    const again = JSON.parse((await cli(store.dir, ['resume', 'claude/tree@4', '--with', 'claude', '--cwd', project, '--json'], { env })).out);
    expect(again.sessionId).toBe(plan.sessionId);
  });

  it("when the agent's own file has moved on since the import, the tip gets a new id and that file is left alone", async () => {
    const { store, home, project, env } = await setup();
    const first = JSON.parse((await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project, '--json'], { env })).out);
    fs.appendFileSync(
      first.file,
      `${JSON.stringify({ type: 'user', uuid: 'later', message: { role: 'user', content: 'written by Claude Code after the import' } })}\n`,
    );
    const moved = fs.readFileSync(first.file, 'utf8');
    const r = JSON.parse((await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project, '--json'], { env })).out);
    expect(r.newId).toBe(true);
    expect(r.file).not.toBe(first.file);
    expect(fs.readFileSync(first.file, 'utf8')).toBe(moved);
    // Codex: a rollout already on this machine under another (local-time) name is found by its id.
    const codexFile = path.join(home, '.codex', 'sessions', '2025', '10', '01', 'rollout-2025-10-01T23-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl');
    fs.mkdirSync(path.dirname(codexFile), { recursive: true });
    fs.writeFileSync(codexFile, 'something else\n');
    const c = JSON.parse(
      (await cli(store.dir, ['resume', 'codex/0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', '--with', 'codex', '--cwd', project, '--json'], { env })).out,
    );
    expect(c.newId).toBe(true);
    expect(fs.readFileSync(codexFile, 'utf8')).toBe('something else\n');
  });

  it('with codex: a rollout under ~/.codex/sessions/YYYY/MM/DD and `codex resume ID`; a Claude session resumes in Codex too', async () => {
    const { store, home, project, env } = await setup();
    const r = await cli(store.dir, ['resume', 'codex/0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', '--with', 'codex', '--cwd', project, '--json'], { env });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.sessionId).toBe('0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee');
    expect(plan.command).toEqual(['codex', 'resume', plan.sessionId]);
    expect(path.relative(home, plan.file)).toMatch(
      /^\.codex\/sessions\/2025\/10\/02\/rollout-2025-10-02T08-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\.jsonl$/,
    );
    const meta = (jsonLines(plan.file) as Obj[])[0];
    expect(meta.payload.cwd).toBe('/home/user/app');
    expect(plan.cwd).toBe(project);
    const cross = JSON.parse((await cli(store.dir, ['resume', 'claude/tree', '--with', 'codex', '--cwd', project, '--json'], { env })).out);
    expect(cross.file.startsWith(path.join(home, '.codex', 'sessions'))).toBe(true);
    const rollout = jsonLines(cross.file) as Obj[];
    expect(rollout[0]).toMatchObject({ type: 'session_meta', payload: { id: cross.sessionId, cwd: '/home/user/haiku' } });
    expect(rollout.some((x) => x.payload?.type === 'function_call' && x.payload.call_id === 'toolu_read1')).toBe(true);
  });

  it('--exec runs the agent in the project folder (a stand-in script on PATH here), and says so when it is missing', async () => {
    const { store, project, home } = await setup();
    const bin = tmpdir();
    const log = path.join(bin, 'ran.txt');
    fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\necho "$PWD|$*" > '${log}'\nexit 3\n`, { mode: 0o755 });
    const r = await cli(store.dir, ['resume', 'claude/tree', '--with', 'claude', '--cwd', project, '--exec'], {
      env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(r.code).toBe(3);
    expect(fs.readFileSync(log, 'utf8').trim()).toBe(`${project}|--resume ${SID}`);
    const missing = await cli(store.dir, ['resume', 'claude/tree', '--with', 'codex', '--cwd', project, '--exec'], { env: { HOME: home, PATH: bin } });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot run codex: not installed/);
  });
  it("a session id from the file that could leave the agent's folder or read as an option gets a new id", async () => {
    const store = freshStore();
    const src = tmpdir();
    const home = tmpdir();
    const project = tmpdir();
    const env = { HOME: path.join(home, 'h'), PATH: process.env.PATH };
    for (const [name, sid] of [
      ['up', '../../../../pwn'],
      ['opt', '--dangerously-skip-permissions'],
    ]) {
      const file = path.join(src, `${name}.jsonl`);
      const rec = {
        type: 'user',
        uuid: `u-${name}`,
        parentUuid: null,
        sessionId: sid,
        cwd: '/x',
        timestamp: '2025-01-01T00:00:00Z',
        message: { role: 'user', content: 'hi' },
      };
      fs.writeFileSync(file, `${JSON.stringify(rec)}\n`);
      await importFiles(store, 'claude', [file]);
      for (const agent of ['claude', 'codex']) {
        const r = await cli(store.dir, ['resume', `claude/${name}`, '--with', agent, '--cwd', project, '--json'], { env });
        expect(r.code).toBe(0);
        const plan = JSON.parse(r.out);
        expect(plan.newId).toBe(agent === 'claude');
        expect(plan.sessionId).toMatch(/^[0-9a-f]{8}-/);
        expect(plan.file.startsWith(path.join(env.HOME, agent === 'claude' ? '.claude' : '.codex') + path.sep)).toBe(true);
        expect(plan.command[2]).toBe(plan.sessionId);
      }
    }
    expect(fs.readdirSync(home)).toEqual(['h']);
  });
  it('a timeline named like an object property ("constructor") is not taken for a fork', async () => {
    const store = freshStore();
    await store.create('constructor', { kind: 'session', title: 'c' });
    await store.append('constructor', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'hi' }] });
    const project = tmpdir();
    const r = await cli(store.dir, ['resume', 'constructor', '--with', 'claude', '--cwd', project, '--json'], {
      env: { HOME: tmpdir(), PATH: process.env.PATH },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).newId).toBe(false);
  });
});

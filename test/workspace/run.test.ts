import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, workspaceAt } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { modelServers, RUN_ENV } from '../helpers/run-agent.js';
import { ENV as SYNC_ENV } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

// `agentlog run` with the workspace in the log: a checkpoint after every step that changed files; a
// session run on machine A, pushed through a real git HTTP server, cloned and continued on machine B
// in an empty folder ends with the files it would have had on A; a folder holding other changes is
// refused; two forks run at once, each in its own folder restored from the fork point.

const server = modelServers();
const ENV = { ...SYNC_ENV, ...RUN_ENV };

/** Every file and its content below `dir` (no folders), for comparing two workspaces. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return out;
}

/** A store with a session whose folder holds a small project. */
async function project(): Promise<{ dir: string; ws: string; name: string }> {
  const dir = tmpdir();
  const ws = path.join(dir, 'project');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), '# project\n');
  fs.writeFileSync(path.join(ws, 'src/app.js'), 'console.log("v1");\n');
  fs.writeFileSync(path.join(ws, '.gitignore'), 'node_modules/\n');
  fs.mkdirSync(path.join(ws, 'node_modules'));
  fs.writeFileSync(path.join(ws, 'node_modules/dep.js'), 'not carried\n');
  await cliOk(dir, ['init'], { env: ENV });
  const name = (await cliOk(dir, ['new', '--title', 'project', '--workspace', ws], { env: ENV })).out.trim().split('\n').pop()!;
  return { dir, ws, name };
}

const run = (dir: string, name: string, url: string, extra: string[]) =>
  cli(dir, ['run', name, '--endpoint', url, '--model', 'claude-test', '--approve', 'never', ...extra], { env: ENV });

function kinds(dir: string, name: string): string[] {
  const store = Store.open(path.join(dir, '.agentlog'));
  return store.readEvents(store.tipOf(name)!).map((e) => e.event.kind);
}

describe('agentlog run: the workspace travels with the log', () => {
  const gitServer = useGitHttpServer();

  it('run on A, push, clone on B into an empty folder, continue: the same files as if it had run on A; a folder with other changes is refused', async () => {
    const { dir: a, ws, name } = await project();
    const first = await server([
      [{ tool: 'write_file', input: { path: 'notes/plan.txt', content: 'step one\n' } }],
      [{ tool: 'edit_file', input: { path: 'src/app.js', old_string: 'v1', new_string: 'v2' } }],
      [{ text: 'first turn done' }],
    ]);
    const r1 = await run(a, name, first.url, ['--prompt', 'start']);
    expect(r1.code, r1.err).toBe(0);
    // A first checkpoint of what the agent started from, then one after each step that changed files.
    expect(kinds(a, name).filter((k) => k === 'checkpoint')).toHaveLength(3);
    const storeA = path.join(a, '.agentlog');
    git(storeA, ['fsck', '--strict', '--no-dangling']);

    const url = gitServer.bare('project.git');
    await cliOk(a, ['remote', 'add', 'origin', url], { env: ENV });
    await cliOk(a, ['push'], { env: ENV });
    const b = tmpdir();
    await cliOk(b, ['clone', url, '.agentlog'], { env: ENV });
    git(path.join(b, '.agentlog'), ['fsck', '--strict', '--no-dangling']);

    // The second turn's script, played on B and, for comparison, on A.
    const second = () =>
      server([
        [{ tool: 'edit_file', input: { path: 'notes/plan.txt', old_string: 'step one', new_string: 'step two' } }],
        [{ tool: 'write_file', input: { path: 'src/extra.js', content: 'export {};\n' } }],
        [{ text: 'second turn done' }],
      ]);

    // A folder on B that holds something else: refused, nothing appended, nothing touched.
    const busy = path.join(b, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'mine.txt'), 'a person was here\n');
    const before = kinds(b, name).length;
    const refused = await run(b, name, (await second()).url, ['--workspace', busy, '--prompt', 'continue']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('differs from the newest checkpoint');
    expect(refused.err).toContain('mine.txt');
    expect(kinds(b, name)).toHaveLength(before);
    expect(files(busy)).toEqual({ 'mine.txt': 'a person was here\n' });

    // An empty folder on B: the tip's files are restored first, then the agent goes on.
    const wsB = path.join(b, 'work');
    const onB = await run(b, name, (await second()).url, ['--workspace', wsB, '--prompt', 'continue']);
    expect(onB.code, onB.err).toBe(0);
    const onA = await run(a, name, (await second()).url, ['--workspace', ws, '--prompt', 'continue']);
    expect(onA.code, onA.err).toBe(0);
    const { 'node_modules/dep.js': _ignored, ...carried } = files(ws);
    expect(files(wsB)).toEqual(carried);
    expect(files(wsB)['notes/plan.txt']).toBe('step two\n');
    // Both stores' tips hold the same snapshot: the files, as the log has them.
    const tipB = Store.open(path.join(b, '.agentlog'));
    const tipA = Store.open(storeA);
    expect(workspaceAt(tipB, tipB.tipOf(name)!)).toBe(workspaceAt(tipA, tipA.tipOf(name)!));
    expect((await cli(b, ['verify', name], { env: ENV })).code).toBe(0);
  });

  it('two forks run at once, each in its own folder restored from the fork point; diff compares them', async () => {
    const { dir, ws, name } = await project();
    const first = await server([[{ tool: 'write_file', input: { path: 'shared.txt', content: 'base\n' } }], [{ text: 'ok' }]]);
    expect((await run(dir, name, first.url, ['--prompt', 'base'])).code).toBe(0);
    const forkA = (await cliOk(dir, ['fork', name, '--name', 'try-a'], { env: ENV })).out.trim();
    const forkB = (await cliOk(dir, ['fork', name, '--name', 'try-b'], { env: ENV })).out.trim();
    const sa = await server([[{ tool: 'write_file', input: { path: 'shared.txt', content: 'from a\n' } }], [{ text: 'a done' }]]);
    const sb = await server([
      [{ tool: 'write_file', input: { path: 'shared.txt', content: 'from b\n' } }],
      [{ tool: 'write_file', input: { path: 'only-b.txt', content: 'b\n' } }],
      [{ text: 'b done' }],
    ]);
    const [ra, rb] = await Promise.all([run(dir, forkA, sa.url, ['--prompt', 'try a']), run(dir, forkB, sb.url, ['--prompt', 'try b'])]);
    expect(ra.code, ra.err).toBe(0);
    expect(rb.code, rb.err).toBe(0);
    // Each fork in its own folder beside the session's; the session's folder is as the fork point left it.
    expect(files(`${ws}-try-a`)['shared.txt']).toBe('from a\n');
    expect(files(`${ws}-try-b`)['shared.txt']).toBe('from b\n');
    expect(files(`${ws}-try-b`)['only-b.txt']).toBe('b\n');
    expect(files(`${ws}-try-a`)['README.md']).toBe('# project\n');
    expect(files(ws)['shared.txt']).toBe('base\n');

    const d = await cliOk(dir, ['diff', forkA, forkB, '--json'], { env: ENV });
    const json = JSON.parse(d.out);
    expect(json.files.map((f: { path: string; change: string }) => `${f.change} ${f.path}`)).toEqual(['A only-b.txt', 'M shared.txt']);
    expect(json.said.from.map((e: { summary: string }) => e.summary).join('\n')).toContain('a done');
    expect(json.said.to.map((e: { summary: string }) => e.summary).join('\n')).toContain('b done');
    // One REV that is a fork: against the timeline it left.
    const text = (await cliOk(dir, ['diff', forkB], { env: ENV })).out;
    expect(text).toContain(`said on ${forkB} after that`);
    expect(text).toMatch(/A only-b\.txt\n {2}M shared\.txt/);
    expect(text).toContain('-- workspace/');

    // Restore fork a's files over the session folder: shown first, refused for nothing the log knows.
    const shown = await cliOk(dir, ['restore', forkA, '--dry-run'], { env: ENV });
    expect(shown.err).toContain(' M shared.txt');
    expect(files(ws)['shared.txt']).toBe('base\n');
    await cliOk(dir, ['restore', forkA], { env: ENV });
    expect(files(ws)['shared.txt']).toBe('from a\n');
    expect(files(ws)['node_modules/dep.js']).toBe('not carried\n');
    // A change no checkpoint holds: refused with the file named, then forced.
    fs.writeFileSync(path.join(ws, 'shared.txt'), 'typed by a person\n');
    const refused = await cli(dir, ['restore', forkB], { env: ENV });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('!M shared.txt');
    expect(files(ws)['shared.txt']).toBe('typed by a person\n');
    await cliOk(dir, ['restore', forkB, '--force'], { env: ENV });
    expect(files(ws)['shared.txt']).toBe('from b\n');
  });

  it('checkpoint by hand: prints the tree, appends nothing when nothing changed, --json for scripts', async () => {
    const { dir, ws, name } = await project();
    const one = await cliOk(dir, ['checkpoint', name, '--label', 'by hand'], { env: ENV });
    const tree = one.out.trim();
    expect(tree).toMatch(/^[0-9a-f]{40}$/);
    expect(
      git(path.join(dir, '.agentlog'), ['ls-tree', '-r', '--name-only', `${name}:workspace`])
        .trim()
        .split('\n'),
    ).toEqual(['.gitignore', 'README.md', 'src/app.js']);
    const same = await cliOk(dir, ['checkpoint', name, '--json'], { env: ENV });
    expect(JSON.parse(same.out)).toMatchObject({ timeline: name, tree, appended: false, written: 0 });
    fs.writeFileSync(path.join(ws, 'README.md'), '# changed\n');
    const next = JSON.parse((await cliOk(dir, ['checkpoint', name, '--json', '--workspace', ws], { env: ENV })).out);
    expect(next).toMatchObject({ appended: true, files: 3, written: 2 });
    expect(kinds(dir, name).filter((k) => k === 'checkpoint')).toHaveLength(2);
  });

  it('checkpoint, restore and diff without a REV take the default timeline as show and log do, and name it on stderr', async () => {
    const { dir, ws, name } = await project();
    const reading = `agentlog: reading ${name} (the timeline appended to last`;
    const one = await cliOk(dir, ['checkpoint'], { env: ENV });
    expect(one.err).toContain(reading);
    fs.writeFileSync(path.join(ws, 'README.md'), '# changed\n');
    const shown = await cliOk(dir, ['restore', '--dry-run'], { env: ENV });
    expect(shown.err).toContain(reading);
    expect(shown.err).toContain('!M README.md'); // an edit no checkpoint holds
    const notFork = await cli(dir, ['diff'], { env: ENV });
    expect(notFork.code).toBe(1);
    expect(notFork.err).toContain(reading);
    expect(notFork.err).toContain(`${name} is not a fork agentlog made`);
  });
});

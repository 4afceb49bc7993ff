import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureFile } from '../../core/capture/captureFile.js';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { cli, cliOk } from '../helpers/cli.js';
import { freshStore, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const TREE = path.join(OWN_FIXTURES, 'claude-code/tree.jsonl');
const ROLLOUT_NAME = 'rollout-2025-10-02T08-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl';
const ROLLOUT = path.join(OWN_FIXTURES, 'codex', ROLLOUT_NAME);
const THREAD = '0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
// The built CLI (dist/, made by `npm test`'s tsc step), for hooks as separate processes.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const ARGV = JSON.stringify(['/usr/bin/node', '/opt/agentlog/cli/bin/agentlog.js']);

/** A project folder with a store (.agentlog) and a HOME of its own. */
async function project() {
  const dir = tmpdir();
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  await cliOk(dir, ['init']);
  const env = { HOME: home, AGENTLOG_CAPTURE_ARGV: ARGV };
  return { dir, home, env, store: path.join(dir, '.agentlog') };
}

describe('capture install / uninstall', () => {
  it('adds its hooks to Claude Code settings, keeps what the user had, and uninstall removes exactly them', async () => {
    const { dir, home, env, store } = await project();
    const file = path.join(home, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(file));
    const mine = {
      model: 'opus',
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: {
        Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'check' }] }],
      },
    };
    fs.writeFileSync(file, JSON.stringify(mine));
    // --dry-run shows the change and writes nothing.
    const dry = await cliOk(dir, ['capture', 'install', 'claude', '--dry-run'], { env });
    expect(dry.err).toMatch(/would change .*settings\.json/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(mine);
    const r = await cliOk(dir, ['capture', 'install', 'claude'], { env });
    expect(r.err).toContain('+ hooks.Stop:');
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    const command = `/usr/bin/node /opt/agentlog/cli/bin/agentlog.js capture hook claude --store ${store}`;
    for (const event of ['Stop', 'SubagentStop', 'PreCompact', 'SessionEnd']) {
      expect(after.hooks[event]).toContainEqual({ hooks: [{ type: 'command', command, timeout: 60 }] });
    }
    expect(after.hooks.Stop[0]).toEqual(mine.hooks.Stop[0]);
    expect(after.hooks.PreToolUse).toEqual(mine.hooks.PreToolUse);
    expect(after.model).toBe('opus');
    // Again: nothing to change. Status names the file and the hooks.
    expect((await cliOk(dir, ['capture', 'install', 'claude'], { env })).err).toMatch(/already installed/);
    const status = await cliOk(dir, ['capture', 'status', 'claude'], { env });
    expect(status.out).toMatch(/^claude\tuser\tinstalled\t.*settings\.json$/m);
    expect(status.out).toMatch(/claude\tproject\tnot installed\t.*settings\.local\.json/);
    await cliOk(dir, ['capture', 'uninstall', 'claude'], { env });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(mine);
    expect((await cliOk(dir, ['capture', 'uninstall', 'claude'], { env })).err).toMatch(/nothing to remove/);
  });

  it('--project writes the project .claude/settings.local.json; a new file goes away whole on uninstall', async () => {
    const { dir, env } = await project();
    await cliOk(dir, ['capture', 'install', 'claude', '--project'], { env });
    const file = path.join(dir, '.claude', 'settings.local.json');
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).hooks)).toEqual(['Stop', 'SubagentStop', 'PreCompact', 'SessionEnd']);
    await cliOk(dir, ['capture', 'uninstall', 'claude', '--project'], { env });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({});
  });

  it('rejects a settings file that is not a JSON object, leaving it as it is', async () => {
    const { dir, home, env } = await project();
    const file = path.join(home, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"model": "opus",');
    const r = await cli(dir, ['capture', 'install', 'claude'], { env });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/settings\.json is not valid JSON/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"model": "opus",');
    fs.writeFileSync(file, '{"hooks": {"Stop": "say done"}}');
    expect((await cli(dir, ['capture', 'install', 'claude'], { env })).err).toMatch(/"hooks\.Stop" is not a list/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"hooks": {"Stop": "say done"}}');
  });

  it("adds notify to Codex's config.toml as a marked block, chains the user's own notify, and uninstall gives the file back byte for byte", async () => {
    const { dir, home, env, store } = await project();
    const file = path.join(home, '.codex', 'config.toml');
    fs.mkdirSync(path.dirname(file));
    const text = [
      '# my codex settings',
      'model = "gpt-5"   # the best',
      'notify = [',
      '  "notify-send",  # desktop',
      "  'Codex',",
      ']',
      '',
      '[profiles.fast]',
      'model = "gpt-5-mini"',
      '',
    ].join('\n');
    fs.writeFileSync(file, text);
    const r = await cliOk(dir, ['capture', 'install', 'codex'], { env });
    expect(r.err).toMatch(/your notify program: kept/);
    const installed = fs.readFileSync(file, 'utf8');
    expect(installed).toContain(
      `notify = ["/usr/bin/node", "/opt/agentlog/cli/bin/agentlog.js", "capture", "hook", "codex", "--store", ${JSON.stringify(store)}, "--chain", "[\\"notify-send\\",\\"Codex\\"]"]`,
    );
    expect(installed).toContain('model = "gpt-5"   # the best');
    expect(installed.indexOf('notify =')).toBeLessThan(installed.indexOf('[profiles.fast]'));
    expect(installed.match(/^notify\s*=/gm)).toHaveLength(1);
    expect((await cliOk(dir, ['capture', 'status', 'codex'], { env })).out).toMatch(/^codex\tuser\tinstalled/m);
    await cliOk(dir, ['capture', 'uninstall', 'codex'], { env });
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('rejects a Codex notify it cannot read, naming the line, and --project for Codex', async () => {
    const { dir, home, env } = await project();
    const file = path.join(home, '.codex', 'config.toml');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'x = 1\nnotify = ["a\\e"]\n');
    const r = await cli(dir, ['capture', 'install', 'codex'], { env });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config\.toml:2: your notify setting/);
    expect((await cli(dir, ['capture', 'install', 'codex', '--project'], { env })).err).toMatch(/config\.toml only/);
  });
});

describe('capture hook', () => {
  it('Claude Code: imports the transcript the hook names, and never fails the agent', async () => {
    const { dir, home, env, store } = await project();
    const projects = path.join(home, '.claude', 'projects', '-work');
    fs.mkdirSync(projects, { recursive: true });
    const file = path.join(projects, 'live.jsonl');
    fs.copyFileSync(TREE, file);
    const input = JSON.stringify({ session_id: 'x', transcript_path: file, cwd: dir, hook_event_name: 'Stop' });
    const r = await cliOk(dir, ['capture', 'hook', 'claude', '--store', store], { env, stdin: input });
    expect(r.err).toBe('');
    const s = Store.open(store);
    const whole = freshStore();
    await importFiles(whole, 'claude', [file]);
    expect(new Map(s.timelines())).toEqual(new Map(whole.timelines()));
    const log = path.join(s.gitDir, 'agentlog', 'capture.log');
    expect(fs.readFileSync(log, 'utf8')).toMatch(/claude: full: \+\d+ event\(s\) from .*live\.jsonl/);
    // Bad input, a missing store: exit 0, the reason in the log (or on stderr without a store).
    expect((await cli(dir, ['capture', 'hook', 'claude', '--store', store], { env, stdin: '{"transcript_path": "../x"}' })).code).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/error: the hook's transcript_path is not an absolute \.jsonl path/);
    const none = await cli(dir, ['capture', 'hook', 'claude', '--store', path.join(dir, 'nowhere')], { env, stdin: input });
    expect(none.code).toBe(0);
    expect(none.err).toMatch(/agentlog capture: error: store .* does not exist/);
  });

  it("Codex: finds the thread's rollout from the notify argument, then runs the user's own notify with it", async () => {
    const { dir, home, store } = await project();
    const codexHome = path.join(home, '.codex');
    const day = path.join(codexHome, 'sessions', '2025', '10', '02');
    fs.mkdirSync(day, { recursive: true });
    fs.copyFileSync(ROLLOUT, path.join(day, ROLLOUT_NAME));
    const seen = path.join(dir, 'their-notify.txt');
    const theirs = JSON.stringify(['sh', '-c', 'printf %s "$1" > "$0"', seen]);
    const arg = JSON.stringify({ type: 'agent-turn-complete', 'thread-id': THREAD, 'turn-id': '1', cwd: dir });
    await cliOk(dir, ['capture', 'hook', 'codex', '--store', store, '--chain', theirs, arg], {
      env: { HOME: home, CODEX_HOME: codexHome, AGENTLOG_CAPTURE_SETTLE_MS: '0' },
    });
    expect(Store.open(store).tipOf(`codex/${THREAD}`)).toBeDefined();
    await until(() => fs.existsSync(seen) && fs.readFileSync(seen, 'utf8') === arg);
  });

  it('two captures of the same file at once leave one timeline, no event twice', async () => {
    const source = fs.readFileSync(ROLLOUT, 'utf8').split('\n').filter(Boolean);
    const dir = tmpdir();
    const file = path.join(dir, ROLLOUT_NAME);
    const storeDir = tmpdir();
    Store.init(storeDir);
    fs.writeFileSync(file, `${source.slice(0, 4).join('\n')}\n`);
    for (let k = 4; k <= source.length; k += 3) {
      fs.writeFileSync(file, `${source.slice(0, k).join('\n')}\n`);
      // Two processes' worth of writers: two Store objects over one repository, racing.
      await Promise.all([captureFile(Store.open(storeDir), 'codex', file), captureFile(Store.open(storeDir), 'codex', file)]);
    }
    fs.writeFileSync(file, `${source.join('\n')}\n`);
    await Promise.all([captureFile(Store.open(storeDir), 'codex', file), captureFile(Store.open(storeDir), 'codex', file)]);
    const whole = freshStore();
    await importFiles(whole, 'codex', [file]);
    expect(new Map(Store.open(storeDir).timelines())).toEqual(new Map(whole.timelines()));
  });

  it('Claude Code: hooks racing as separate processes on a growing session leave one timeline, no event twice', async () => {
    const { dir, home, store } = await project();
    const projects = path.join(home, '.claude', 'projects', '-work');
    fs.mkdirSync(projects, { recursive: true });
    const file = path.join(projects, 'race.jsonl');
    const lines = fs.readFileSync(TREE, 'utf8').split('\n').filter(Boolean);
    const input = JSON.stringify({ session_id: 'race', transcript_path: file, cwd: dir, hook_event_name: 'Stop' });
    const hook = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'capture', 'hook', 'claude', '--store', store], {
          env: { HOME: home, AGENTLOG_AUTO_GC: 'wait' },
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        child.stdin.end(input);
        child.on('close', resolve);
      });
    fs.writeFileSync(file, '');
    for (let k = 4; k <= lines.length + 7; k += 8) {
      fs.writeFileSync(file, `${lines.slice(0, k).join('\n')}\n`);
      expect(await Promise.all([hook(), hook(), hook()])).toEqual([0, 0, 0]);
    }
    const whole = freshStore();
    await importFiles(whole, 'claude', [file]);
    expect(new Map(Store.open(store).timelines())).toEqual(new Map(whole.timelines()));
    expect(fs.readFileSync(path.join(Store.open(store).gitDir, 'agentlog', 'capture.log'), 'utf8')).not.toMatch(/error/);
  });
});

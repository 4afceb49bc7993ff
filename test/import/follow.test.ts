import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { follow } from '../../core/import/follow.js';
import { defaultSessionFiles, importFiles } from '../../core/import/index.js';
import type { ImportWarning } from '../../core/formats/jsonl.js';
import type { Store } from '../../core/store/store.js';
import { freshStore, jsonLines, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const TREE = path.join(OWN_FIXTURES, 'claude-code/tree.jsonl');
const ROLLOUT = jsonlFiles(path.join(OWN_FIXTURES, 'codex'))[0];

const length = (store: Store, name: string) => {
  const tip = store.tipOf(name);
  return tip ? store.commitInfo(tip).seq + 1 : 0;
};

describe('import --follow', () => {
  it('picks up Claude Code lines appended while it runs, a half-written line once it is complete', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'live.jsonl');
    const lines = fs.readFileSync(TREE, 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(file, '');
    const store = freshStore();
    const controller = new AbortController();
    const warnings: ImportWarning[] = [];
    let passes = 0;
    const running = follow(store, 'claude', [file], { interval: 25, signal: controller.signal, warn: (w) => warnings.push(w), onImport: () => passes++ });
    // The first prompt and answer: the session starts.
    fs.appendFileSync(file, `${lines.slice(0, 3).join('\n')}\n`);
    await until(() => length(store, 'claude/live') === 4);
    // A line arrives in two writes: nothing is imported from its first half.
    const half = Math.floor(lines[3].length / 2);
    fs.appendFileSync(file, lines[3].slice(0, half));
    await new Promise((r) => setTimeout(r, 150));
    expect(length(store, 'claude/live')).toBe(4);
    fs.appendFileSync(file, `${lines[3].slice(half)}\n`);
    await until(() => length(store, 'claude/live') === 5);
    // The rest, a few lines at a time.
    for (let i = 4; i < lines.length; i += 5) {
      fs.appendFileSync(file, `${lines.slice(i, i + 5).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 60));
    }
    await until(() => store.tipOf('claude/live.fork-10aaf000') !== undefined && length(store, 'claude/live') === 20);
    controller.abort();
    await running;
    expect(warnings).toEqual([]);
    expect(passes).toBeGreaterThan(2);
    // Same commits as importing the finished file in one go.
    const whole = freshStore();
    await importFiles(whole, 'claude', [file]);
    expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
    expect(exportTimeline(store, store.tipOf('claude/live')!, 'claude').records).toEqual(
      (jsonLines(file) as Record<string, unknown>[]).filter((_, i) => i !== 10 && i !== 11 && i !== 14 && i !== 15),
    );
  });

  it('with discover: a session that starts while following is picked up (what `import --follow` does with no PATH)', async () => {
    const home = tmpdir();
    const env = { HOME: home };
    const project = path.join(home, 'proj');
    const store = freshStore();
    const controller = new AbortController();
    const found: string[] = [];
    const running = follow(store, 'claude', [], {
      interval: 25,
      rescan: 50,
      signal: controller.signal,
      discover: (known) => defaultSessionFiles('claude', env, project, known),
      onDiscover: (files) => found.push(...files),
    });
    await new Promise((r) => setTimeout(r, 120));
    const dir = path.join(home, '.claude', 'projects', project.replace(/[^A-Za-z0-9]/g, '-'));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'late.jsonl');
    fs.writeFileSync(file, fs.readFileSync(TREE, 'utf8').replaceAll('/home/user/haiku', project));
    await until(() => length(store, 'claude/late') === 20);
    controller.abort();
    await running;
    expect(found).toEqual([file]);
  });

  it('with watch: a session that starts is picked up from a file-system event, not a rescan', async () => {
    const home = tmpdir();
    const env = { HOME: home };
    const project = path.join(home, 'proj');
    const projects = path.join(home, '.claude', 'projects');
    fs.mkdirSync(projects, { recursive: true });
    const store = freshStore();
    const controller = new AbortController();
    const found: string[] = [];
    // Interval and rescan far beyond the test: only an event can start a pass.
    const never = 1_000_000_000;
    const running = follow(store, 'claude', [], {
      interval: never,
      rescan: never,
      watch: [projects],
      signal: controller.signal,
      discover: (known) => defaultSessionFiles('claude', env, project, known),
      onDiscover: (files) => found.push(...files),
    });
    // A new folder and a file in it (the watch is recursive), written in two steps as an agent does.
    const dir = path.join(projects, project.replace(/[^A-Za-z0-9]/g, '-'));
    fs.mkdirSync(dir);
    const file = path.join(dir, 'watched.jsonl');
    const lines = fs.readFileSync(TREE, 'utf8').replaceAll('/home/user/haiku', project).split('\n').filter(Boolean);
    fs.writeFileSync(file, `${lines.slice(0, 4).join('\n')}\n`);
    await until(() => length(store, 'claude/watched') === 5);
    fs.appendFileSync(file, `${lines.slice(4).join('\n')}\n`);
    await until(() => length(store, 'claude/watched') === 20);
    controller.abort();
    await running;
    expect(found).toEqual([file]);
  });

  it('follows a Codex rollout and reports a malformed line once', async () => {
    const dir = tmpdir();
    const file = path.join(dir, path.basename(ROLLOUT));
    const lines = fs.readFileSync(ROLLOUT, 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(file, `${lines[0]}\n`);
    const store = freshStore();
    const controller = new AbortController();
    const warnings: ImportWarning[] = [];
    const running = follow(store, 'codex', [file], { interval: 25, signal: controller.signal, warn: (w) => warnings.push(w) });
    const name = 'codex/0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
    for (let i = 1; i < lines.length; i += 3) {
      fs.appendFileSync(file, `${lines.slice(i, i + 3).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 60));
    }
    await until(() => length(store, name) === 19);
    controller.abort();
    await running;
    expect(warnings.map((w) => w.line)).toEqual([11]);
    const whole = freshStore();
    await importFiles(whole, 'codex', [file]);
    expect(store.tipOf(name)).toBe(whole.tipOf(name));
  });
  it('waiting between passes leaves no listeners piling up on the abort signal', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'quiet.jsonl');
    fs.writeFileSync(file, fs.readFileSync(TREE, 'utf8'));
    const store = freshStore();
    const controller = new AbortController();
    const running = follow(store, 'claude', [file], { interval: 2, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    controller.abort();
    await running;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

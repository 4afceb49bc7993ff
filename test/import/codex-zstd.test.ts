import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { follow } from '../../core/import/follow.js';
import { defaultSessionFiles, importFiles } from '../../core/import/index.js';
import type { ImportWarning } from '../../core/formats/jsonl.js';
import { cliOk } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

// Codex 0.137+ compresses rollouts older than seven days to rollout-*.jsonl.zst, in sessions/ and
// archived_sessions/. The zstd CLI (test/vscode/setup.sh installs it) compresses them here as Codex does.
const REAL = jsonlFiles(path.join(OWN_FIXTURES, 'agents/codex-0.171.0'))[0];
const REAL_ID = '01a23876-68de-78c2-a760-1bb3076db507';
const OLD = path.join(OWN_FIXTURES, 'codex/rollout-2025-10-02T08-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl');
const OLD_ID = '0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';

/** `file` compressed with the zstd CLI to `to` (the plain file is not kept). */
function compress(file: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  execFileSync('zstd', ['-q', '-19', '-f', file, '-o', to]);
  return to;
}

/** A CODEX_HOME with the real rollout compressed in sessions/ and the old one compressed in archived_sessions/. */
function codexHome(): string {
  const home = tmpdir('codex-home-');
  compress(REAL, path.join(home, 'sessions/2026/11/20', `${path.basename(REAL)}.zst`));
  compress(OLD, path.join(home, 'archived_sessions', `${path.basename(OLD)}.zst`));
  return home;
}

describe('compressed Codex rollouts (.jsonl.zst)', () => {
  it('import codex --all finds them in sessions/ and archived_sessions/ and makes the same commits as the plain files', async () => {
    const home = codexHome();
    expect(defaultSessionFiles('codex', { CODEX_HOME: home }).map((f) => path.relative(home, f))).toEqual([
      `sessions/2026/11/20/${path.basename(REAL)}.zst`,
      `archived_sessions/${path.basename(OLD)}.zst`,
    ]);
    // Without --all, the sessions of one project: the cwd is read from the decompressed start.
    expect(defaultSessionFiles('codex', { CODEX_HOME: home }, '/tmp/formats-gen/proj').map((f) => path.basename(f))).toEqual([`${path.basename(REAL)}.zst`]);
    expect(defaultSessionFiles('codex', { CODEX_HOME: home }, '/home/user/app').map((f) => path.basename(f))).toEqual([`${path.basename(OLD)}.zst`]);
    const store = freshStore();
    const { err } = await cliOk(store.dir, ['import', 'codex', '--all'], { env: { CODEX_HOME: home } });
    expect(err).toMatch(/imported 2 session\(s\): 2 timeline\(s\) created/);
    // The old fixture's malformed line 11 is the only warning: read through the decompressed bytes.
    expect(err.match(/warning: .*/g)).toEqual([expect.stringMatching(/archived_sessions\/rollout-.*\.jsonl\.zst:11: not valid JSON/)]);
    const plain = freshStore();
    await importFiles(plain, 'codex', [REAL, OLD]);
    expect(store.tipOf(`codex/${REAL_ID}`)).toBe(plain.tipOf(`codex/${REAL_ID}`));
    expect(store.tipOf(`codex/${OLD_ID}`)).toBe(plain.tipOf(`codex/${OLD_ID}`));
    expect(exportTimeline(store, store.tipOf(`codex/${REAL_ID}`)!, 'codex').records).toEqual(jsonLines(REAL));
    // A folder given as PATH takes them too.
    const byPath = await cliOk(freshStore().dir, ['import', 'codex', home]);
    expect(byPath.err).toMatch(/imported 2 session\(s\)/);
  });

  it('a session imported before Codex compressed it is unchanged by importing the compressed file; a plain file beside its .zst is taken once', async () => {
    const home = tmpdir('codex-home-');
    const day = path.join(home, 'sessions/2026/11/20');
    fs.mkdirSync(day, { recursive: true });
    fs.copyFileSync(REAL, path.join(day, path.basename(REAL)));
    const store = freshStore();
    await importFiles(store, 'codex', defaultSessionFiles('codex', { CODEX_HOME: home }));
    const tip = store.tipOf(`codex/${REAL_ID}`);
    // Codex compresses it (for a moment both files are there).
    compress(REAL, path.join(day, `${path.basename(REAL)}.zst`));
    expect(defaultSessionFiles('codex', { CODEX_HOME: home }).map((f) => path.basename(f))).toEqual([path.basename(REAL)]);
    fs.rmSync(path.join(day, path.basename(REAL)));
    const again = await importFiles(store, 'codex', defaultSessionFiles('codex', { CODEX_HOME: home }));
    expect(again.timelines).toMatchObject({ created: 0, unchanged: 1, diverged: 0 });
    expect(again.events.appended).toBe(0);
    expect(store.tipOf(`codex/${REAL_ID}`)).toBe(tip);
  });

  it('rejects a zstd bomb past the size limit and a file that is not zstd, with a warning naming it; the other files import', async () => {
    const dir = tmpdir('codex-bomb-');
    // 64 MiB of newlines in a few kilobytes.
    const bomb = path.join(dir, `rollout-2026-11-20T00-00-00-${'1'.repeat(8)}-1111-1111-1111-${'1'.repeat(12)}.jsonl.zst`);
    execFileSync('bash', ['-c', `head -c ${64 * 1024 * 1024} /dev/zero | tr '\\0' '\\n' | zstd -q -3 -o "${bomb}"`]);
    expect(fs.statSync(bomb).size).toBeLessThan(64 * 1024);
    const broken = path.join(dir, `rollout-2026-11-20T00-00-00-${'2'.repeat(8)}-2222-2222-2222-${'2'.repeat(12)}.jsonl.zst`);
    fs.writeFileSync(broken, Buffer.concat([fs.readFileSync(compress(OLD, path.join(dir, 'whole.zst'))).subarray(0, 40)]));
    const good = compress(REAL, path.join(dir, `${path.basename(REAL)}.zst`));
    const store = freshStore();
    const warnings: ImportWarning[] = [];
    const s = await importFiles(store, 'codex', [bomb, broken, good], { warn: (w) => warnings.push(w), maxDecompressedBytes: 8 * 1024 * 1024 });
    expect(warnings.map((w) => [path.basename(w.file), w.message.replace(/file \(.*\)/, 'file (…)')])).toEqual([
      [path.basename(bomb), `decompresses to more than ${8 * 1024 * 1024} bytes (the limit); skipped`],
      [path.basename(broken), 'not a valid zstd file (…); skipped'],
    ]);
    expect(s.timelines.names).toEqual([`codex/${REAL_ID}`]);
  });

  it('import --follow takes a compressed rollout whole and goes on following', async () => {
    const home = codexHome();
    const files = defaultSessionFiles('codex', { CODEX_HOME: home });
    const store = freshStore();
    const controller = new AbortController();
    const warnings: ImportWarning[] = [];
    const running = follow(store, 'codex', files, { interval: 25, signal: controller.signal, warn: (w) => warnings.push(w) });
    await until(() => store.tipOf(`codex/${REAL_ID}`) !== undefined && store.tipOf(`codex/${OLD_ID}`) !== undefined);
    controller.abort();
    await running;
    const whole = freshStore();
    await importFiles(whole, 'codex', [REAL, OLD]);
    expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
    // The old fixture's malformed line 11 is the only warning.
    expect(warnings.map((w) => w.line)).toEqual([11]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFile, type CaptureResult } from '../../core/capture/captureFile.js';
import { runHook } from '../../core/capture/hook.js';
import { captureDir } from '../../core/capture/state.js';
import { importFiles } from '../../core/import/index.js';
import type { Store } from '../../core/store/store.js';
import { freshStore, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { tmpdir } from '../helpers/tmp.js';

const shared = sharedFixtures();

/** Main session files: Claude Code files not in a subagents/ folder, Codex rollouts. */
function mainFiles(dir: string, agent: 'claude' | 'codex'): string[] {
  if (!fs.existsSync(dir)) return [];
  return jsonlFiles(dir).filter((f) => (agent === 'codex' ? path.basename(f).startsWith('rollout-') : path.basename(path.dirname(f)) !== 'subagents'));
}

const cases: [string, 'claude' | 'codex'][] = [
  ...mainFiles(path.join(OWN_FIXTURES, 'claude-code'), 'claude').map((f): [string, 'claude'] => [f, 'claude']),
  ...mainFiles(path.join(OWN_FIXTURES, 'codex'), 'codex').map((f): [string, 'codex'] => [f, 'codex']),
  ...(shared ? mainFiles(path.join(shared, 'claude-code'), 'claude').map((f): [string, 'claude'] => [f, 'claude']) : []),
  ...(shared ? mainFiles(path.join(shared, 'codex'), 'codex').map((f): [string, 'codex'] => [f, 'codex']) : []),
];

/** The file written in `steps` pieces (a piece may end inside a line), captured after each. */
async function captureInSteps(store: Store, agent: 'claude' | 'codex', source: string, target: string, steps: number): Promise<CaptureResult[]> {
  const bytes = fs.readFileSync(source);
  fs.writeFileSync(target, '');
  const results: CaptureResult[] = [];
  for (let k = 1; k <= steps; k++) {
    const from = Math.floor(((k - 1) * bytes.length) / steps);
    const to = Math.floor((k * bytes.length) / steps);
    fs.appendFileSync(target, bytes.subarray(from, to));
    results.push(await captureFile(store, agent, target));
  }
  results.push(await captureFile(store, agent, target));
  return results;
}

describe('capture of a session file as it grows', () => {
  it.each(cases)('%s: captured in pieces, the store holds what one import of the whole file makes', async (source, agent) => {
    const dir = tmpdir();
    const target = path.join(dir, path.basename(source));
    const store = freshStore();
    const results = await captureInSteps(store, agent, source, target, 7);
    if (process.env.CAPTURE_MODES) console.log(path.basename(source), results.map((r) => r.mode[0]).join(''));
    const whole = freshStore();
    await importFiles(whole, agent, [target]);
    expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
    // The last capture found nothing new.
    expect(results[results.length - 1]).toMatchObject({ mode: 'unchanged', appended: 0 });
  });

  it('appends only the new lines of a linear session (the incremental path), same commits as a whole import', async () => {
    const source = path.join(OWN_FIXTURES, 'codex', fs.readdirSync(path.join(OWN_FIXTURES, 'codex'))[0]);
    const dir = tmpdir();
    const target = path.join(dir, path.basename(source));
    const store = freshStore();
    const results = await captureInSteps(store, 'codex', source, target, 5);
    expect(results.filter((r) => r.mode === 'incremental').length).toBeGreaterThan(0);
    const whole = freshStore();
    await importFiles(whole, 'codex', [target]);
    expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
  });

  it('falls back to the whole import when the file was rewritten, truncated, or the tip moved', async () => {
    const source = path.join(OWN_FIXTURES, 'codex', fs.readdirSync(path.join(OWN_FIXTURES, 'codex'))[0]);
    const lines = fs.readFileSync(source, 'utf8').split('\n').filter(Boolean);
    const dir = tmpdir();
    const target = path.join(dir, path.basename(source));
    const store = freshStore();
    fs.writeFileSync(target, `${lines.slice(0, lines.length - 2).join('\n')}\n`);
    expect((await captureFile(store, 'codex', target)).mode).toBe('full');
    // Rewritten: same size, other bytes at the start. The whole import reports the divergence, appends nothing.
    const text = fs.readFileSync(target, 'utf8');
    fs.writeFileSync(target, `${text.replace('"type"', '"tipe"')}${lines[lines.length - 2]}\n`);
    const warnings: string[] = [];
    expect(await captureFile(store, 'codex', target, (w) => warnings.push(w.message))).toMatchObject({ mode: 'full', appended: 0 });
    expect(warnings.join('\n')).toMatch(/already holds other events/);
    // The state left by a foreign writer: a torn state file is ignored.
    for (const f of fs.readdirSync(captureDir(store.gitDir))) fs.writeFileSync(path.join(captureDir(store.gitDir), f), '{"v":1,');
    fs.writeFileSync(target, `${lines.join('\n')}\n`);
    const again = freshStore();
    expect((await captureFile(again, 'codex', target)).mode).toBe('full');
    fs.appendFileSync(target, '');
    expect((await captureFile(again, 'codex', target)).mode).toBe('unchanged');
  });

  const withSubagents: string[] = [path.join(OWN_FIXTURES, 'claude-code/tree.jsonl')];
  if (shared) withSubagents.push(path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl'));
  it.each(withSubagents)(
    '%s: main and subagent files written in time order, captured by the hook after each step, make what one import makes',
    async (main) => {
      const subDir = path.join(main.replace(/\.jsonl$/, ''), 'subagents');
      const sources = [main, ...fs.readdirSync(subDir).map((f) => path.join(subDir, f))];
      const dir = tmpdir();
      const target = (f: string) => path.join(dir, path.relative(path.dirname(main), f));
      fs.mkdirSync(path.join(target(subDir)), { recursive: true });
      for (const f of sources) fs.writeFileSync(target(f), '');
      // The lines of all files in the order the agent wrote them: by timestamp, each file's own order kept.
      const queues = sources.map((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
      const written: { file: string; line: string }[] = [];
      const tsOf = (l: string) => Date.parse((JSON.parse(l) as { timestamp?: string }).timestamp ?? '') || 0;
      while (queues.some((q) => q.length)) {
        let best = -1;
        for (const [i, q] of queues.entries()) if (q.length && (best === -1 || tsOf(q[0]) < tsOf(queues[best][0]))) best = i;
        written.push({ file: target(sources[best]), line: queues[best].shift()! });
      }
      const store = freshStore();
      const steps = 6;
      const log: string[] = [];
      for (let k = 1; k <= steps; k++) {
        for (const w of written.slice(Math.floor(((k - 1) * written.length) / steps), Math.floor((k * written.length) / steps)))
          fs.appendFileSync(w.file, `${w.line}\n`);
        await runHook(store, 'claude', JSON.stringify({ transcript_path: target(main), hook_event_name: 'Stop' }), {}, (l) => log.push(l));
      }
      expect(log.filter((l) => l.startsWith('error'))).toEqual([]);
      expect(log.some((l) => /^incremental: \+[1-9]/.test(l))).toBe(true);
      const whole = freshStore();
      await importFiles(whole, 'claude', [target(main)]);
      expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
    },
  );
});

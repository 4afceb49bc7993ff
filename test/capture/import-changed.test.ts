/**
 * `agentlog import` at the cost of what changed (issue 20, core/capture/importChanged.ts): unchanged
 * files are skipped unread, a file that grew has only its new lines read, and a file that changed in
 * any other way (same size, even with its mtime put back) is imported whole; the store always ends
 * as importing every file whole into it would leave it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importChanged } from '../../core/capture/importChanged.js';
import { importFiles } from '../../core/import/index.js';
import type { Store } from '../../core/store/store.js';
import { freshStore, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

const TREE_DIR = path.join(OWN_FIXTURES, 'claude-code');
const CODEX = path.join(OWN_FIXTURES, 'codex/rollout-2025-10-02T08-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl');

/** A copy of the Claude Code fixtures (tree.jsonl with its subagents, bad.jsonl) and the Codex rollout. */
function corpus(): { claude: string[]; codex: string } {
  const dir = tmpdir();
  fs.cpSync(TREE_DIR, path.join(dir, 'claude'), { recursive: true });
  fs.copyFileSync(CODEX, path.join(dir, path.basename(CODEX)));
  return { claude: ['tree.jsonl', 'bad.jsonl'].map((f) => path.join(dir, 'claude', f)), codex: path.join(dir, path.basename(CODEX)) };
}

const refs = (store: Store) => Object.fromEntries(store.timelines());

describe('importChanged', () => {
  it('a second import reads no file: every one is skipped unchanged, and the store is as it was', async () => {
    const { claude, codex } = corpus();
    const store = freshStore();
    const first = await importChanged(store, 'claude', claude);
    expect(first.files).toEqual({ total: 2, unchanged: 0, incremental: 0, full: 2 });
    await importChanged(store, 'codex', [codex]);
    const before = refs(store);
    const again = await importChanged(store, 'claude', claude);
    expect(again.files).toEqual({ total: 2, unchanged: 2, incremental: 0, full: 0 });
    expect((await importChanged(store, 'codex', [codex])).files.unchanged).toBe(1);
    expect(refs(store)).toEqual(before);
    // The same as importing every file whole.
    const whole = freshStore();
    await importFiles(whole, 'claude', claude);
    await importFiles(whole, 'codex', [codex]);
    expect(refs(whole)).toEqual(before);
  });

  it('a new turn is read alone and appended: the store ends as a whole import of the grown files leaves it', async () => {
    const { codex } = corpus();
    const lines = fs.readFileSync(codex, 'utf8').split('\n').filter(Boolean);
    const cut = lines.length - 3;
    fs.writeFileSync(codex, `${lines.slice(0, cut).join('\n')}\n`);
    const store = freshStore();
    await importChanged(store, 'codex', [codex]);
    fs.appendFileSync(codex, `${lines.slice(cut).join('\n')}\n`);
    const r = await importChanged(store, 'codex', [codex]);
    expect(r.files).toMatchObject({ incremental: 1, full: 0, unchanged: 0 });
    expect(r.events.appended).toBe(3);
    const whole = freshStore();
    await importFiles(whole, 'codex', [codex]);
    expect(refs(store)).toEqual(refs(whole));
  });

  it('never skips a file that changed at its end with the same size, even with its mtime put back', async () => {
    const { codex } = corpus();
    fs.utimesSync(codex, 1_700_000_000, 1_700_000_000); // whole seconds: put back exactly below
    const store = freshStore();
    await importChanged(store, 'codex', [codex]);
    const st = fs.statSync(codex);
    const text = fs.readFileSync(codex, 'utf8');
    // The last record's text, one letter changed: same size.
    const i = text.lastIndexOf('e');
    fs.writeFileSync(codex, `${text.slice(0, i)}E${text.slice(i + 1)}`);
    fs.utimesSync(codex, 1_700_000_000, 1_700_000_000);
    expect(fs.statSync(codex).size).toBe(st.size);
    expect(fs.statSync(codex).mtimeMs).toBe(st.mtimeMs);
    const r = await importChanged(store, 'codex', [codex]);
    expect(r.files).toMatchObject({ unchanged: 0, full: 1 });
  });

  it('never skips a file rewritten in its middle with the same size and a new mtime', async () => {
    const { claude } = corpus();
    const [tree] = claude;
    const store = freshStore();
    await importChanged(store, 'claude', [tree]);
    const text = fs.readFileSync(tree, 'utf8');
    const mid = text.indexOf('"text":"', Math.floor(text.length / 2)) + 8;
    fs.writeFileSync(tree, `${text.slice(0, mid)}${text[mid] === 'Q' ? 'R' : 'Q'}${text.slice(mid + 1)}`);
    fs.utimesSync(tree, new Date(), new Date(Date.now() + 5_000));
    const r = await importChanged(store, 'claude', [tree]);
    expect(r.files).toMatchObject({ unchanged: 0, incremental: 0, full: 1 });
    expect(r.timelines.diverged + r.timelines.created).toBeGreaterThan(0); // the changed record is not lost silently
  });
});

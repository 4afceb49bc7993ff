import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline, toJsonl } from '../../core/export/index.js';
import { importFiles } from '../../core/import/index.js';
import type { Store } from '../../core/store/store.js';
import { freshStore } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

const S = '11111111-1111-4111-8111-111111111111';
const F = '22222222-2222-4222-8222-222222222222';

function rec(uuid: string, parentUuid: string | null, sessionId: string, role: 'user' | 'assistant', text: string, second: number) {
  return {
    type: role,
    uuid,
    parentUuid,
    sessionId,
    cwd: '/work/app',
    timestamp: `2025-01-01T00:00:${String(second).padStart(2, '0')}Z`,
    message: role === 'user' ? { role, content: text } : { role, content: [{ type: 'text', text }] },
  };
}

function write(file: string, records: object[]): void {
  fs.writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

function commits(store: Store, name: string): string[] {
  return [...store.history(store.tipOf(name)!)].map((c) => c.oid).reverse();
}

describe('lineage: a session continuing another under a new id is a fork of its timeline', () => {
  it("a Claude fork file whose first record's parent is in another session file: linked at that record, not a session of its own", async () => {
    const dir = tmpdir();
    write(path.join(dir, `${S}.jsonl`), [
      rec('u1', null, S, 'user', 'hi', 1),
      rec('a1', 'u1', S, 'assistant', 'hello', 2),
      rec('u2', 'a1', S, 'user', 'and then', 3),
      rec('a2', 'u2', S, 'assistant', 'the end', 4),
    ]);
    write(path.join(dir, `${F}.jsonl`), [rec('f1', 'a1', F, 'user', 'other way', 10), rec('f2', 'f1', F, 'assistant', 'forked', 11)]);
    const store = freshStore();
    const first = await importFiles(store, 'claude', [path.join(dir, `${S}.jsonl`), path.join(dir, `${F}.jsonl`)]);
    expect(store.forkRecords()[`claude/${F}`]).toBe(`claude/${S}`);
    const source = commits(store, `claude/${S}`);
    const fork = commits(store, `claude/${F}`);
    expect(fork.slice(0, 3)).toEqual(source.slice(0, 3)); // genesis, u1, a1
    expect(fork).toHaveLength(5);
    expect(first.events.appended).toBe(5 + 2);
    // Its first record's parent is the branch point, not a record missing from the session.
    expect(first.warnings).toEqual([]);
    const again = await importFiles(store, 'claude', [path.join(dir, `${F}.jsonl`)]);
    expect(again.events.appended).toBe(0);
    expect(again.timelines.diverged).toBe(0);
    // Given the fork file first, import still takes the sessions in the order they began: linked.
    const other = freshStore();
    await importFiles(other, 'claude', [path.join(dir, `${F}.jsonl`), path.join(dir, `${S}.jsonl`)]);
    expect(other.forkRecords()[`claude/${F}`]).toBe(`claude/${S}`);
    expect(commits(other, `claude/${F}`)).toEqual(fork);
    // Without forks.json (a clone has none): still the same fork, nothing diverged.
    for (const f of fs.readdirSync(store.dir, { recursive: true }) as string[]) if (path.basename(f) === 'forks.json') fs.rmSync(path.join(store.dir, f));
    expect(store.forkRecords()).toEqual({});
    fs.appendFileSync(path.join(dir, `${F}.jsonl`), toJsonl([rec('f3', 'f2', F, 'user', 'more', 12)]));
    const third = await importFiles(store, 'claude', [path.join(dir, `${F}.jsonl`)]);
    expect(third.timelines.diverged).toBe(0);
    expect(third.events.appended).toBe(1);
    expect(commits(store, `claude/${F}`).slice(0, 3)).toEqual(source.slice(0, 3));
  });

  it('a session exported from an older point under a new id and continued: a fork at that point, only its own records stored', async () => {
    const dir = tmpdir();
    const store = freshStore();
    write(path.join(dir, `${S}.jsonl`), [
      rec('u1', null, S, 'user', 'hi', 1),
      rec('a1', 'u1', S, 'assistant', 'hello', 2),
      rec('u2', 'a1', S, 'user', 'and then', 3),
      rec('a2', 'u2', S, 'assistant', 'the end', 4),
    ]);
    await importFiles(store, 'claude', [path.join(dir, `${S}.jsonl`)]);
    const at = commits(store, `claude/${S}`)[2];
    const out = tmpdir();
    const copy = exportTimeline(store, at, 'claude', { sessionId: F }).records;
    write(path.join(out, `${F}.jsonl`), [...copy, rec('f1', 'a1', F, 'user', 'other way', 10)]);
    fs.appendFileSync(path.join(out, `${F}.jsonl`), toJsonl([rec('f2', 'f1', F, 'assistant', 'forked', 11)]));
    const r = await importFiles(store, 'claude', [path.join(out, `${F}.jsonl`)]);
    expect(r.warnings).toEqual([]);
    expect(r.events.appended).toBe(2);
    expect(store.forkRecords()[`claude/${F}`]).toBe(`claude/${S}`);
    expect(commits(store, `claude/${F}`).slice(0, 3)).toEqual(commits(store, `claude/${S}`).slice(0, 3));
    // The same session id in another file is a copy, not a continuation: a session of its own.
    write(path.join(out, 'copy.jsonl'), exportTimeline(store, store.tipOf(`claude/${S}`)!, 'claude').records);
    await importFiles(store, 'claude', [path.join(out, 'copy.jsonl')]);
    expect(store.forkRecords()['claude/copy']).toBeUndefined();
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../../core/codec/dagcbor.js';
import { Store } from '../../core/store/store.js';
import { resolveRev } from '../../core/timeline/rev.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { git, tmpdir } from '../helpers/tmp.js';

describe('store', () => {
  it('verify names the first tampered event: timeline, seq, commit, expected and found CID', async () => {
    const { dir, store, cids } = await sessionWith(6);
    const events = store.readEvents(store.tipOf('talk')!);
    const evil = { ...events[3].event, content: [{ type: 'text', text: 'I never said that' }] };
    const evilFile = path.join(tmpdir(), 'evil.cbor');
    fs.writeFileSync(evilFile, encode(evil));
    git(dir, ['checkout', '-q', '--detach', 'talk']);
    git(
      dir,
      ['filter-branch', '-f', '--tree-filter', `test -f events/000000/00/000000003.cbor && cp ${evilFile} events/000000/00/000000003.cbor || true`, 'talk'],
      {
        env: {
          ...process.env,
          FILTER_BRANCH_SQUELCH_WARNING: '1',
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      },
    );
    const fresh = Store.open(dir);
    const r = verifyTimeline(fresh, 'talk', fresh.tipOf('talk')!);
    const rewritten = resolveRev(fresh, 'talk@3').commit;
    expect(r.problem).toMatchObject({ timeline: 'talk', seq: 3, commit: rewritten, expected: cids[2] });
    expect(r.problem!.found).toMatch(/^bafyrei/);
    expect(r.problem!.found).not.toBe(cids[2]);
    // The timeline up to seq 2 is still sound.
    expect(verifyTimeline(fresh, 'talk', resolveRev(fresh, 'talk@2').commit).problem).toBeUndefined();
  });

  it('verify reports a corrupted object instead of crashing', async () => {
    const { store } = await sessionWith(4);
    const blob = store.eventBlobs(store.tipOf('talk')!)[2];
    // Find the pack that holds the event's blob (git show-index reads the .idx) and damage its data.
    const packDir = path.join(store.gitDir, 'objects', 'pack');
    let damaged = false;
    for (const idx of fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
      const row = git(packDir, ['show-index'], { input: fs.readFileSync(path.join(packDir, idx)) })
        .split('\n')
        .find((l) => l.includes(blob));
      if (!row) continue;
      const offset = Number(row.split(' ')[0]);
      const pack = path.join(packDir, idx.replace(/\.idx$/, '.pack'));
      fs.chmodSync(pack, 0o644);
      const buf = fs.readFileSync(pack);
      buf[offset + 12] ^= 0xff;
      fs.writeFileSync(pack, buf);
      damaged = true;
    }
    expect(damaged).toBe(true);
    const r = verifyTimeline(Store.open(store.dir), 'talk', store.tipOf('talk')!);
    expect(r.problem).toMatchObject({ seq: 2 });
    expect(r.problem!.message).toContain(blob);
  });
});

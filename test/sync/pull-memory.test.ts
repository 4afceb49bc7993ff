/**
 * A pull of a big pack holds it on disk, not in memory (issue 17, point 13): the answer streams into
 * the quarantine as it arrives and is indexed from the file, objects inflated one at a time. The
 * fetch runs in a child process (test/helpers/crashPullMemory.ts), whose peak resident memory above
 * what it had before must stay under 1.5 times the pack's size: held whole, the pack cost about three
 * times its size (the chunks, their concatenation, the copy written); streamed, what it costs is the
 * objects being inflated and the garbage V8 lets pile up before it collects. A generous bound, on
 * memory only. Measured (48 MiB pack of 2.7 MiB objects): 141 MiB above the start before, 43 MiB
 * after (54 MiB on a machine busy with other tests).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { addRemote } from '../../core/sync/remotes.js';
import { ENV, gitAsync } from '../helpers/sync.js';
import { clock, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const run = promisify(execFile);
const server = useGitHttpServer();

it('receiving a 48 MiB pack costs less than 1.5 times the pack in memory (about 3 times when it was held whole)', async () => {
  const url = server.bare('big.git');
  const { store: a } = Store.init(path.join(tmpdir(), 'a'), { now: clock() });
  await a.create('big', { kind: 'session', title: 'big' });
  // Text that deflate barely shrinks (random bytes in base64): 24 events of 2.7 MiB.
  for (let i = 0; i < 24; i++) await a.append('big', { kind: 'note', text: randomBytes(2 << 20).toString('base64') });
  await gitAsync(a.dir, ['push', '--quiet', path.join(server.root, 'big.git'), 'big']);
  const dir = path.join(tmpdir(), 'b');
  const { store: b } = Store.init(dir, { now: clock() });
  addRemote(b.gitDir, 'origin', url);
  const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), [path.resolve('test/helpers/crashPullMemory.ts'), dir], { env: ENV, maxBuffer: 1 << 20 });
  const { rssBefore, maxRss, received, indexed } = JSON.parse(stdout) as { rssBefore: number; maxRss: number; received: number; indexed: number };
  console.log(
    `fetch of a ${(received / 2 ** 20).toFixed(1)} MiB pack: peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB, ${((maxRss - rssBefore) / 2 ** 20).toFixed(0)} MiB above the start`,
  );
  expect(received).toBeGreaterThan(40 << 20);
  expect(indexed).toBe(1);
  expect(maxRss - rssBefore).toBeLessThan(received * 1.5);
}, 300_000);

import * as path from 'node:path';
import { Store } from '../../core/store/store.js';
import { clock, tmpdir } from './tmp.js';

/**
 * A fresh store with a session `name` (title "a talk") of `n` messages after its genesis, user and
 * assistant in turn ("line 1", "line 2", …), on a deterministic clock; `cids` are the messages' CIDs.
 */
export async function sessionWith(n: number, name = 'talk') {
  const dir = path.join(tmpdir(), 'store');
  // No automatic gc: each append leaves its own pack, the store the gc and pack tests start from.
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  await store.create(name, { kind: 'session', title: 'a talk' });
  const cids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const a = await store.append(name, { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `line ${i}` }] });
    cids.push(a.cid.toString());
  }
  return { dir, store, cids };
}

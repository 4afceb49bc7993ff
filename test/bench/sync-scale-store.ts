/**
 * Builds a store of many timelines for the sync-at-scale measurements (issue 20): N timelines
 * (default 2,000) of E events each (default 30), made by makeEvent with a seed per timeline, written
 * through the store API (the appends of one timeline issued together: group commit).
 *
 *   npx tsx test/bench/sync-scale-store.ts DIR [--timelines N] [--events E]
 */
import * as path from 'node:path';
import { Store } from '../../core/store/store.js';
import { makeEvents } from './events.js';

export async function buildScaleStore(dir: string, timelines: number, events: number, log = (s: string) => process.stderr.write(`${s}\n`)): Promise<Store> {
  const { store } = Store.init(dir, { durable: false });
  for (let t = 0; t < timelines; t++) {
    const name = `s${String(t).padStart(5, '0')}`;
    const evs = makeEvents(events, 1000 + t);
    await store.create(name, evs[0]);
    await Promise.all(evs.slice(1).map((e) => store.append(name, e)));
    if (t % 100 === 99) log(`${t + 1} timelines`);
  }
  return store;
}

if (process.argv[1] && path.basename(process.argv[1]).startsWith('sync-scale-store')) {
  const args = process.argv.slice(2);
  const flag = (f: string, d: number) => (args.includes(f) ? Number(args[args.indexOf(f) + 1]) : d);
  await buildScaleStore(path.resolve(args[0]), flag('--timelines', 2000), flag('--events', 30));
}

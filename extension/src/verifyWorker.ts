/**
 * Verifies timelines off the extension host's thread (a 10,000-event timeline takes seconds, and the
 * host must stay responsive). Bundled as dist/verifyWorker.js; posts one result per timeline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Store, verifyTimeline } from '../../core/index.js';

const { dir } = workerData as { dir: string };
const store = Store.open(dir);
for (const [name, tip] of store.timelines()) {
  parentPort!.postMessage({ type: 'result', result: verifyTimeline(store, name, tip) });
}
parentPort!.postMessage({ type: 'done' });

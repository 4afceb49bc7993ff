/**
 * The extension's worker thread (bundled as dist/coreWorker.js): runs coreJobs.ts's jobs off the
 * extension host's thread, one message per job in, progress and one answer out. An error crosses as
 * its message, code and data (an E_SECRET refusal carries the findings, masked).
 */
import { parentPort } from 'node:worker_threads';
import { isAgentlogError } from '../../core/index.js';
import { type JobName, runJob } from './coreJobs.js';
import type { WorkerAnswer, WorkerRequest } from './workerClient.js';

const port = parentPort!;
port.on('message', async (m: WorkerRequest) => {
  const answer = (a: WorkerAnswer) => port.postMessage(a);
  try {
    const result = await runJob(m.name as JobName, m.args as never, (progress) => answer({ id: m.id, progress }));
    answer({ id: m.id, result });
  } catch (e) {
    const err = e as Error;
    answer({ id: m.id, error: { message: err.message, ...(isAgentlogError(e) ? { code: e.code, data: e.data } : {}) } });
  }
});

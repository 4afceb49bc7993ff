/**
 * The host's side of the worker thread (coreWorker.ts): `run(job, args)` hands a job over and
 * resolves with its answer. One worker, started on the first job and ended after a minute with
 * nothing to do (or with the extension); a worker that dies fails the jobs it had, and the next job
 * starts a new one. Jobs whose error came with a code (an AgentlogError in the worker) reject with a
 * JobError carrying that code and its data.
 */
import { Worker } from 'node:worker_threads';
import type { JobName, JobProgress, Jobs } from './coreJobs.js';

export interface WorkerRequest {
  id: number;
  name: string;
  args: unknown;
}
export type WorkerAnswer =
  | { id: number; result: unknown }
  | { id: number; progress: JobProgress }
  | { id: number; error: { message: string; code?: string; data?: Record<string, unknown> } };

/** Runs a job (in the worker, or in-process in tests: coreJobs.ts's runJob has this shape). */
export type JobRunner = <K extends JobName>(name: K, args: Jobs[K]['args'], progress?: (p: JobProgress) => void) => Promise<Jobs[K]['result']>;

/** A job's error, as the worker reported it. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const IDLE_MS = 60_000;

export class CoreWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; progress?: (p: JobProgress) => void }>();
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  readonly run: JobRunner = (name, args, progress) =>
    new Promise((resolve, reject) => {
      const id = ++this.next;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      if (this.idle) clearTimeout(this.idle);
      this.started().postMessage({ id, name, args } satisfies WorkerRequest);
    });

  private started(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.file);
    this.worker = w;
    w.on('message', (m: WorkerAnswer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('progress' in m) return p.progress?.(m.progress);
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new JobError(m.error.message, m.error.code, m.error.data));
      else p.resolve(m.result);
      if (!this.pending.size) {
        this.idle = setTimeout(() => this.stop(), IDLE_MS);
        this.idle.unref?.();
      }
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    w.on('error', (e) => fail(`the agentlog worker failed: ${e.message}`));
    w.on('exit', (code) => fail(`the agentlog worker stopped (exit ${code})`));
    return w;
  }

  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
  }

  dispose(): void {
    if (this.idle) clearTimeout(this.idle);
    for (const p of this.pending.values()) p.reject(new Error('the extension is shutting down'));
    this.pending.clear();
    this.stop();
  }
}

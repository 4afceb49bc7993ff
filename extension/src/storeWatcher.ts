/**
 * Calls back when a store's refs or HEAD change (an append, the CLI, `git checkout`, a pull).
 * fs.watch gives the fast path; a poll of the refs (cheap: a few small files) catches what file
 * events miss (network file systems, a watcher that hit its limit). No VS Code here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../core/index.js';

export class StoreWatcher {
  private readonly watchers: fs.FSWatcher[] = [];
  private readonly poll: NodeJS.Timeout;
  private timer: NodeJS.Timeout | undefined;
  private last: string;

  constructor(
    private readonly store: Store,
    private readonly onChange: () => void,
    { pollMs = 1000, debounceMs = 30 } = {},
  ) {
    this.last = this.signature();
    const fire = () => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, debounceMs);
    };
    const gitDir = store.gitDir;
    for (const [dir, recursive] of [
      [gitDir, false],
      [path.join(gitDir, 'refs', 'heads'), true],
    ] as const) {
      try {
        const w = fs.watch(dir, { recursive, persistent: false }, fire);
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        /* the poll covers it */
      }
    }
    this.poll = setInterval(() => this.check(), pollMs);
    this.poll.unref();
  }

  private signature(): string {
    try {
      const head = this.store.head();
      return JSON.stringify([head.symbolic ?? '', head.oid ?? '', [...this.store.timelines()]]);
    } catch (e) {
      return `error:${(e as Error).message}`;
    }
  }

  private check(): void {
    const sig = this.signature();
    if (sig === this.last) return;
    this.last = sig;
    this.onChange();
  }

  dispose(): void {
    clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}

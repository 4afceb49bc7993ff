/**
 * A session panel's secrets and stats, without VS Code: after the page shows its first page, and
 * whenever the timeline's tip moves, the timeline is scanned for secrets and counted (core/secrets,
 * core/stats) by jobs that run off the host's thread (coreJobs.ts in the worker), so the first page
 * is never slowed. A scan after an append reads only the new events; a tip that is not a descendant
 * of the one scanned (a redaction, a reset) is scanned whole. The page gets the findings (masked) and
 * the stats line; its Redact… and Allow go to `actions` (the agentlog.redact and agentlog.allowFinding
 * commands, which ask first), after which the panel scans again.
 */
import type { Finding, Store } from '../../core/index.js';
import { type FindingVM, findingVM, type StatsVM, statsVM } from '../shared/insights.js';
import type { HostMessage } from '../shared/protocol.js';
import type { JobRunner } from './workerClient.js';

export interface InsightsActions {
  /** Redact the finding `fingerprint` of this timeline (the command asks first); `known`: the findings the page shows. */
  redact(store: string, timeline: string, fingerprint: string, known: FindingVM[]): Promise<unknown>;
  /** Add the finding to the store's allow list. */
  allow(store: string, fingerprint: string): Promise<unknown>;
  /** A job failed (the scan of a broken timeline): said once, not thrown. */
  warn(message: string): void;
}

export class PanelInsights {
  private timeline = '';
  private scannedTip: string | undefined;
  private found: Finding[] = [];
  private countedTip: string | undefined;
  private stats: StatsVM | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  private warned = new Set<string>();

  constructor(
    private readonly store: Store,
    /** The panel's timeline now (a resume from the past moves the panel to its fork). */
    private readonly name: () => string,
    private readonly post: (m: HostMessage) => void,
    private readonly run: JobRunner,
    private readonly actions: InsightsActions,
  ) {}

  /** The findings the page shows now. */
  get findings(): FindingVM[] {
    return this.found.map(findingVM);
  }

  /** A new page (loaded or reloaded): what is known goes to it at once, then the work catches up. */
  ready(): Promise<void> {
    if (this.stats) this.post({ type: 'stats', stats: this.stats });
    if (this.scannedTip) this.post({ type: 'findings', findings: this.findings });
    return this.update();
  }

  /** Bring the findings and the stats up to the timeline's tip (one run at a time; a call meanwhile runs once more after it). */
  update(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.catchUp();
        } while (this.again && !this.disposed);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Scan the whole timeline again (the allow list changed). */
  rescan(): Promise<void> {
    this.forget();
    return this.update();
  }

  /** Forget what was scanned: the next update scans the whole timeline (the allow list changed while the panel was hidden). */
  forget(): void {
    this.scannedTip = undefined;
    this.found = [];
  }

  async onMessage(m: { type: 'redact' | 'allow'; fingerprint: string }): Promise<void> {
    if (m.type === 'redact') {
      await this.actions.redact(this.store.dir, this.name(), m.fingerprint, this.findings);
      await this.update();
    } else {
      await this.actions.allow(this.store.dir, m.fingerprint);
      await this.rescan();
    }
  }

  dispose(): void {
    this.disposed = true;
  }

  private async catchUp(): Promise<void> {
    const name = this.name();
    if (name !== this.timeline) {
      this.timeline = name;
      this.scannedTip = this.countedTip = undefined;
      this.found = [];
    }
    const tip = this.store.tipOf(name);
    if (!tip || this.disposed) return;
    const dir = this.store.dir;
    try {
      if (tip !== this.countedTip) {
        const stats = statsVM(await this.run('stats', { dir, timeline: name, tip }));
        if (this.disposed || name !== this.name()) return;
        this.countedTip = tip;
        this.stats = stats;
        this.post({ type: 'stats', stats });
      }
      if (tip !== this.scannedTip) {
        const r = await this.run('scan', { dir, timeline: name, tip, ...(this.scannedTip ? { since: this.scannedTip } : {}) });
        if (this.disposed || name !== this.name()) return;
        this.found = r.incremental ? [...this.found, ...r.findings] : r.findings;
        this.scannedTip = tip;
        this.post({ type: 'findings', findings: this.findings });
      }
    } catch (e) {
      const message = `${name}: ${(e as Error).message}`;
      if (!this.warned.has(message)) this.actions.warn(message);
      this.warned.add(message);
    }
  }
}

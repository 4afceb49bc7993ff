/**
 * What one session panel does, without VS Code: answers the webview's messages, follows the store
 * (new events, a moved HEAD), travels in time, forks and resumes. extension/src/panel.ts wires it to
 * a real webview; vitest drives it directly on real stores.
 */
import { AgentlogError, freeName, timelineRef, type Appended, type EventInput, type Store } from '../../core/index.js';
import { conversationOf } from '../shared/context.js';
import type { HeaderVM, HostMessage, PanelState, RenderedState, WebviewMessage } from '../shared/protocol.js';
import { sessionFacts } from '../shared/transcript.js';
import type { Chat } from './chat.js';
import { TimelineReader } from './storeReader.js';

/** Items sent at once; older ones come when the page scrolls up. */
export const PAGE = 100;
/** How long a resume waits for a just-opened page before going on. */
const READY_WAIT_MS = 15_000;

export interface PanelHost {
  post(msg: HostMessage): void;
  copy(text: string): Promise<void>;
  /** A link that opens this store/timeline at the event. */
  linkFor(store: string, timeline: string, cid: string): string;
  /** Ask for a fork's name (undefined = cancelled). */
  askForkName(suggestion: string): Promise<string | undefined>;
  /** Open (or reveal) the panel of another timeline. */
  openTimeline(store: string, timeline: string, seq: number | null): void;
  /** The model for resume, or a message saying why there is none. */
  chat(): Promise<{ chat: Chat; model: string } | { error: string }>;
  modelLabel(): string;
  setTitle(title: string): void;
  info(message: string): void;
}

export class PanelController {
  private reader: TimelineReader;
  private viewSeq: number | null;
  private followsHead = false;
  private headOid: string | undefined;
  /** The range of seqs the page holds, and the tip it was built from. */
  private firstSeq = 0;
  private lastSeq = -1;
  private shownTip: string | undefined;
  private abort: AbortController | undefined;
  private ready = false;
  private markReady!: () => void;
  /** Resolves when the page has loaded: messages posted before that are lost. */
  private readonly whenReady = new Promise<void>((r) => (this.markReady = r));
  rendered: RenderedState | undefined;

  constructor(
    readonly store: Store,
    private timeline: string,
    private readonly host: PanelHost,
    seq: number | null = null,
  ) {
    this.reader = new TimelineReader(store, timeline);
    this.viewSeq = seq;
    this.headOid = store.head().oid;
  }

  get name(): string {
    return this.timeline;
  }

  get state(): PanelState {
    return { store: this.store.dir, timeline: this.timeline, seq: this.viewSeq };
  }

  get streaming(): boolean {
    return this.abort !== undefined;
  }

  async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.markReady();
        this.reset();
        return;
      case 'loadOlder':
        return this.loadOlder(m.beforeSeq);
      case 'travel':
        this.travel(m.seq);
        return;
      case 'fork':
        await this.forkAt(m.seq);
        return;
      case 'copyCid':
        await this.host.copy(this.cidAt(m.seq));
        this.host.info(`Copied the CID of event ${m.seq}`);
        return;
      case 'copyLink':
        await this.host.copy(this.host.linkFor(this.store.dir, this.timeline, this.cidAt(m.seq)));
        this.host.info(`Copied a link to event ${m.seq}`);
        return;
      case 'send':
        await this.resume(m.text);
        return;
      case 'stop':
        this.stop();
        return;
      case 'rendered':
        this.rendered = m.state;
        return;
    }
  }

  /** View the session as of `seq` (null or the tip's seq = follow the tip). */
  travel(seq: number | null, reveal?: number): void {
    const tip = this.reader.tip();
    const tipSeq = tip ? this.reader.tipSeq(tip) : -1;
    this.viewSeq = seq === null || seq >= tipSeq ? null : Math.max(0, seq);
    this.followsHead = false;
    this.reset(reveal ?? seq ?? undefined);
  }

  /** Show the event with this CID (a link). */
  reveal(cid: string): boolean {
    const tip = this.reader.tip();
    if (!tip) return false;
    const n = this.reader.tipSeq(tip);
    // Newest first: links usually point at recent events.
    for (let s = n; s >= 0; s--) {
      if (this.reader.event(tip, s).cid.toString() === cid) {
        this.travel(s, s);
        return true;
      }
    }
    return false;
  }

  /** The store changed (a ref moved): show new events, follow a moved HEAD. */
  refresh(): void {
    const head = this.store.head();
    if (head.oid !== this.headOid) {
      this.headOid = head.oid;
      if (this.followHead(head)) return;
    }
    const tip = this.reader.tip();
    if (tip === this.shownTip) return;
    if (!tip || !this.shownTip) {
      this.reset();
      return;
    }
    const tipSeq = this.reader.tipSeq(tip);
    const sameHistory = this.lastSeq >= 0 && this.lastSeq <= tipSeq && this.reader.event(tip, this.lastSeq).cid.toString() === this.shownCid;
    if (!sameHistory) {
      this.reset();
      return;
    }
    if (this.viewSeq !== null) {
      this.shownTip = tip;
      this.post({ type: 'header', header: this.header(tip) });
      return;
    }
    const items = this.reader.items(tip, this.lastSeq + 1, tipSeq);
    this.lastSeq = tipSeq;
    this.shownTip = tip;
    this.shownCid = this.reader.event(tip, tipSeq).cid.toString();
    this.post({ type: 'append', header: this.header(tip), items });
  }

  private shownCid = '';

  private followHead(head: { symbolic?: string; oid?: string }): boolean {
    if (head.symbolic === timelineRef(this.timeline)) {
      this.viewSeq = null;
      this.followsHead = true;
      this.reset();
      return true;
    }
    if (head.symbolic || !head.oid) return false;
    const info = (() => {
      try {
        return this.store.commitInfo(head.oid!);
      } catch {
        return undefined;
      }
    })();
    const tip = this.reader.tip();
    if (!info?.cid || !tip || info.seq < 0 || info.seq > this.reader.tipSeq(tip)) return false;
    if (this.reader.event(tip, info.seq).cid.toString() !== info.cid.toString()) return false;
    const tipSeq = this.reader.tipSeq(tip);
    this.viewSeq = info.seq >= tipSeq ? null : info.seq;
    this.followsHead = true;
    this.reset(info.seq);
    return true;
  }

  private reset(reveal?: number): void {
    if (!this.ready) return;
    const tip = this.reader.tip();
    if (!tip) {
      this.shownTip = undefined;
      this.post({
        type: 'reset',
        header: {
          store: this.store.dir,
          timeline: this.timeline,
          title: `${this.timeline} (deleted)`,
          tipSeq: -1,
          viewSeq: -1,
          past: false,
          followsHead: false,
          model: this.host.modelLabel(),
        },
        items: [],
        hasOlder: false,
      });
      return;
    }
    const tipSeq = this.reader.tipSeq(tip);
    if (this.viewSeq !== null && this.viewSeq >= tipSeq) this.viewSeq = null;
    const end = this.viewSeq ?? tipSeq;
    const from = Math.max(0, Math.min(end - PAGE + 1, reveal ?? end));
    const items = this.reader.items(tip, from, end);
    this.firstSeq = from;
    this.lastSeq = end;
    this.shownTip = tip;
    this.shownCid = this.reader.event(tip, end).cid.toString();
    const header = this.header(tip);
    this.host.setTitle(header.title);
    this.post({ type: 'reset', header, items, hasOlder: from > 0, reveal });
  }

  private loadOlder(beforeSeq: number): void {
    const tip = this.reader.tip();
    if (!tip || beforeSeq <= 0) return;
    const to = Math.min(beforeSeq, this.firstSeq) - 1;
    if (to < 0) return;
    const from = Math.max(0, to - PAGE + 1);
    this.firstSeq = from;
    this.post({ type: 'older', items: this.reader.items(tip, from, to), hasOlder: from > 0 });
  }

  private header(tip: string): HeaderVM {
    const tipSeq = this.reader.tipSeq(tip);
    const facts = sessionFacts(this.reader.event(tip, 0).event);
    const viewSeq = this.viewSeq ?? tipSeq;
    return {
      store: this.store.dir,
      timeline: this.timeline,
      title: facts.title || this.timeline,
      tipSeq,
      viewSeq,
      past: viewSeq < tipSeq,
      followsHead: this.followsHead,
      model: this.host.modelLabel(),
    };
  }

  private cidAt(seq: number): string {
    const tip = this.reader.tip();
    if (!tip) throw new Error(`timeline ${this.timeline} no longer exists`);
    return this.reader.event(tip, seq).cid.toString();
  }

  /** Fork the timeline at `seq`: a new branch at the commit that appended it; the original is untouched. */
  async forkAt(seq: number, name?: string): Promise<string | undefined> {
    const tip = this.reader.tip();
    if (!tip) return undefined;
    const chosen = name ?? (await this.host.askForkName(freeName(this.store, `${this.timeline}-fork-${seq}`)));
    if (!chosen) return undefined;
    const commit = this.reader.commitAt(tip, seq);
    await this.store.branch(chosen, commit, this.timeline);
    if (!name) this.host.openTimeline(this.store.dir, chosen, null);
    return chosen;
  }

  /**
   * Resume: send the conversation as of the viewed point plus `text` to the model, stream the answer
   * into the page, then append the user's message and the answer as two events. Viewing the past
   * forks first (this panel moves to the fork). On an error or a stop nothing is appended.
   */
  async resume(text: string): Promise<void> {
    if (this.abort || !text.trim()) return;
    const abort = new AbortController();
    this.abort = abort;
    try {
      // A panel opened for this resume must show the stream and any error: wait for its page.
      await Promise.race([this.whenReady, new Promise((r) => setTimeout(r, READY_WAIT_MS))]);
      const model = await this.host.chat();
      if ('error' in model) {
        this.post({ type: 'streamEnd', outcome: 'failed', error: model.error });
        return;
      }
      let tip = this.reader.tip();
      if (!tip) throw new Error(`timeline ${this.timeline} no longer exists`);
      if (this.viewSeq !== null) {
        const fork = await this.forkAt(this.viewSeq, freeName(this.store, `${this.timeline}-fork-${this.viewSeq}`));
        if (!fork) return;
        this.timeline = fork;
        this.reader = new TimelineReader(this.store, fork);
        this.viewSeq = null;
        this.reset();
        tip = this.reader.tip()!;
      }
      const events = this.store.readEvents(tip).map((e) => e.event);
      // The new message goes through the same fold, so it merges with a preceding user turn.
      const messages = conversationOf([...events, { v: 1, kind: 'message', seq: events.length, prev: null, ts: 0, role: 'user', content: text }]);
      this.post({ type: 'streamStart', userText: text });
      let answer: string;
      try {
        answer = await model.chat({ model: model.model, messages, signal: abort.signal, onDelta: (d) => this.post({ type: 'streamDelta', text: d }) });
      } catch (e) {
        if (abort.signal.aborted) this.post({ type: 'streamEnd', outcome: 'stopped' });
        else this.post({ type: 'streamEnd', outcome: 'failed', error: (e as Error).message });
        return;
      }
      if (abort.signal.aborted) {
        this.post({ type: 'streamEnd', outcome: 'stopped' });
        return;
      }
      const moved = await this.appendAfter(tip, [
        { kind: 'message', role: 'user', content: [{ type: 'text', text }] },
        { kind: 'message', role: 'assistant', model: model.model, content: [{ type: 'text', text: answer }] },
      ]);
      this.post({ type: 'streamEnd', outcome: 'appended' });
      if (moved) this.host.info(`${moved.from} moved while the model answered; the answer was kept on the fork ${moved.to}.`);
      this.refresh();
    } catch (e) {
      this.post({ type: 'streamEnd', outcome: 'failed', error: (e as Error).message });
    } finally {
      this.abort = undefined;
    }
  }

  /**
   * Append events right after `at` (the commit the model's context ended at). If another writer moved
   * the timeline meanwhile, the events go to a new fork at `at` instead, so the answer always follows
   * exactly what the model saw and nobody's events are lost; this panel moves to the fork.
   */
  private async appendAfter(at: string, inputs: EventInput[]): Promise<{ from: string; to: string } | undefined> {
    let moved: { from: string; to: string } | undefined;
    for (const input of inputs) {
      let done: Appended | undefined;
      try {
        done = await this.store.append(this.timeline, input, { after: at });
      } catch (e) {
        if (!(e instanceof AgentlogError && e.code === 'E_MOVED')) throw e;
      }
      if (!done) {
        const from = this.timeline;
        const fork = freeName(this.store, `${from}-fork-${this.store.commitInfo(at).seq}`);
        await this.store.branch(fork, at, from);
        this.timeline = fork;
        this.reader = new TimelineReader(this.store, fork);
        this.reset();
        moved = { from, to: fork };
        done = await this.store.append(fork, input, { after: at });
      }
      at = done.commit;
    }
    return moved;
  }

  /** Stop a streaming answer (the Stop button, or the panel closing): nothing is appended. */
  stop(): void {
    this.abort?.abort();
  }

  private post(m: HostMessage): void {
    this.host.post(m);
  }
}

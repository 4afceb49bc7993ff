/**
 * What one session panel does, without VS Code: answers the webview's messages, follows the store
 * (new events, a moved HEAD), travels in time, forks, and resumes as the agent (core's runAgent). extension/src/panel.ts wires it to
 * a real webview; vitest drives it directly on real stores.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Api,
  type Approve,
  type Event,
  freeName,
  listSessions,
  type ModelCall,
  runAgent,
  type Store,
  type TimelineInfo,
  timelineRef,
} from '../../core/index.js';
import { describeCall, workspaceChoice } from '../shared/agentRun.js';
import type { HeaderVM, HostMessage, PanelState, RenderedState, WebviewMessage, WorkspaceAction } from '../shared/protocol.js';
import { sessionFacts } from '../shared/transcript.js';
import { callPath, type DocPart, type DocRef, documentName, documentText } from '../shared/documents.js';
import { REACH, TimelineReader } from './storeReader.js';
import { fileMarks } from '../shared/workspaceMarks.js';

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
  model(): Promise<AgentModel | { error: string }>;
  /** Which tool calls ask in the panel (the agentlog.approve setting). */
  approvePolicy(): Approve;
  /** The VS Code workspace folder: the agent's workspace when the session's cwd does not exist here. */
  workspaceFolder(): string | undefined;
  /** Delay before a model call's retry n (default core's: 1 s, 2 s, 4 s, …). */
  retryDelayMs?: (attempt: number) => number;
  modelLabel(): string;
  setTitle(title: string): void;
  info(message: string): void;
  /** Something the person asked for cannot be done (a file outside the folder, a deleted event). */
  warn(message: string): void;
  /** Open a read-only document (shared/documents.ts) in an editor. */
  openDocument(ref: DocRef): Promise<void>;
  /** Open two read-only documents in VS Code's diff editor. */
  openDiff(before: DocRef, after: DocRef, title: string): Promise<void>;
  /** Open a file of the workspace (an absolute path, already checked to be inside the session's folder). */
  openFile(path: string): Promise<void>;
  /** The workspace at an event: its files against the folder, restored there, or the fork against its parent (workspaceActions.ts). */
  workspaceAction?(store: string, timeline: string, action: WorkspaceAction, seq: number): Promise<unknown>;
}

/**
 * `named` (a path a tool call wrote: absolute, or relative to the session's `recorded` cwd) as a file
 * inside `folder`, the session's folder on this machine; an error when it leads outside it (by `..`,
 * by an absolute path elsewhere, or through a symbolic link) or does not exist.
 */
export function insideFolder(folder: string, named: string, recorded?: string): { path: string } | { error: string } {
  let rel = named;
  if (path.isAbsolute(named)) {
    const base = recorded && path.isAbsolute(recorded) ? recorded : folder;
    rel = path.relative(base, named);
  }
  const root = fs.realpathSync(folder);
  const target = path.resolve(root, rel);
  const outside = (p: string) => p !== root && !p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  if (path.isAbsolute(rel) || outside(target)) return { error: `${named} is outside the session's folder (${folder}): not opened.` };
  if (!fs.existsSync(target)) return { error: `${named} does not exist in ${folder} (any more).` };
  const real = fs.realpathSync(target);
  if (outside(real)) return { error: `${named} leads outside the session's folder through a link: not opened.` };
  return { path: real };
}

/** The model a resume runs with: the endpoint core calls, or a model call of VS Code's language models. */
export interface AgentModel {
  api: Api;
  model: string;
  endpoint: string;
  /** Where core reads the key (AGENTLOG_API_KEY). */
  env: Record<string, string>;
  callModel?: ModelCall;
  /** Cancel a call under way (the panel closed). */
  cancel?: () => void;
  /** Release what the model holds, once the run is over. */
  release?: () => void;
}

interface Run {
  stop: { requested: boolean };
  /** Approvals waiting for the person, by id. */
  asks: Map<number, (allow: boolean) => void>;
  model?: AgentModel;
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
  private run: Run | undefined;
  /** Approvals asked so far (their ids). */
  private asked = 0;
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
    return this.run !== undefined;
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
      case 'approval':
        this.answer(m.id, m.allow);
        return;
      case 'workspace':
        await this.host.workspaceAction?.(this.store.dir, this.timeline, m.action, m.seq);
        return;
      case 'rendered':
        this.rendered = m.state;
        return;
      case 'openDoc':
        await this.openDoc(m.seq, m.block, m.part);
        return;
      case 'openDiff':
        await this.openDiff(m.seq, m.block, m.file);
        return;
      case 'openPath':
        await this.openPath(m.seq, m.block, m.file);
        return;
      case 'openTimeline':
        if (!this.store.tipOf(m.timeline)) {
          this.host.warn(`There is no timeline ${m.timeline} in this store (deleted, or never imported).`);
          return;
        }
        this.host.openTimeline(this.store.dir, m.timeline, m.seq);
        return;
    }
  }

  /** The event at `seq` of the timeline and its ref for a document, or a warning when it is gone. */
  private docRef(seq: number, block: number | undefined, part: DocPart, file?: number): { ref: DocRef; event: Event } | undefined {
    const tip = this.reader.tip();
    if (!tip || seq > this.reader.tipSeq(tip)) {
      this.host.warn(`Event ${seq} of ${this.timeline} is no longer in the store.`);
      return undefined;
    }
    const { event, cid } = this.reader.event(tip, seq);
    return {
      event,
      ref: {
        store: this.store.dir,
        timeline: this.timeline,
        seq,
        cid: cid.toString(),
        part,
        ...(block !== undefined ? { block } : {}),
        ...(file !== undefined ? { file } : {}),
      },
    };
  }

  private async openDoc(seq: number, block: number | undefined, part: DocPart): Promise<void> {
    const d = this.docRef(seq, block, part);
    if (!d) return;
    if (documentText(d.event, d.ref) === undefined) {
      this.host.warn(`Event ${seq} has no ${part} to open.`);
      return;
    }
    await this.host.openDocument(d.ref);
  }

  private async openDiff(seq: number, block: number, file?: number): Promise<void> {
    const before = this.docRef(seq, block, 'before', file);
    const after = this.docRef(seq, block, 'after', file);
    if (!before || !after) return;
    if (documentText(before.event, before.ref) === undefined || documentText(after.event, after.ref) === undefined) {
      this.host.warn(`Event ${seq} holds no edit to compare.`);
      return;
    }
    await this.host.openDiff(before.ref, after.ref, `${documentName(after.event, after.ref)} (event #${seq}, ${this.timeline})`);
  }

  /**
   * Open the file a call names: relative to the session's folder (its `cwd`, or this workspace's
   * folder when that is not on this machine), and only inside it: a path that leads out, through
   * `..` or a link, is refused. The path comes from the event the host reads, never from the page.
   */
  private async openPath(seq: number, block: number, file?: number): Promise<void> {
    const d = this.docRef(seq, block, 'input', file);
    if (!d) return;
    const named = callPath(d.event, block, file ?? 0);
    if (!named) {
      this.host.warn(`The call in event ${seq} names no file.`);
      return;
    }
    const tip = this.reader.tip()!;
    const cwd = this.reader.event(tip, 0).event.cwd;
    const here = typeof cwd === 'string' && cwd !== '' && fs.existsSync(cwd) ? cwd : this.host.workspaceFolder();
    if (!here) {
      this.host.warn(`The session's folder is not on this machine and no folder is open: cannot open ${named}.`);
      return;
    }
    const found = insideFolder(here, named, typeof cwd === 'string' ? cwd : undefined);
    if ('error' in found) {
      this.host.warn(found.error);
      return;
    }
    await this.host.openFile(found.path);
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
    // The last turn the page shows may go on in the new events: it is read again, from its start.
    // A long last turn goes on in a new part rather than being read again whole on every append.
    const part = tipSeq - this.lastTurnSeq + 1 > REACH;
    const { turns, from } = this.reader.turns(tip, part ? this.lastSeq + 1 : this.lastTurnSeq, tipSeq, true);
    this.lastSeq = tipSeq;
    this.lastTurnSeq = turns.at(-1)?.first ?? this.lastTurnSeq;
    this.shownTip = tip;
    this.shownCid = this.reader.event(tip, tipSeq).cid.toString();
    this.post({ type: 'append', header: this.header(tip), turns, from, lastSeq: tipSeq });
    this.postFileMarks(tip);
  }

  private shownMarks = '';

  /** Which events of the timeline changed files (a checkpoint's files against the one before); sent when they change, and after a reset (a new page). */
  private postFileMarks(tip: string, always = false): void {
    const marks = fileMarks(this.store, tip, { count: this.reader.tipSeq(tip) + 1, at: (seq) => this.reader.event(tip, seq) });
    const key = JSON.stringify(marks);
    if (!always && key === this.shownMarks) return;
    this.shownMarks = key;
    this.post({ type: 'fileMarks', marks });
  }

  private shownCid = '';
  /** The first seq of the last turn the page shows: an append reads from there. */
  private lastTurnSeq = 0;

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
        header: this.goneHeader(`The timeline ${this.timeline} no longer exists in this store (deleted or renamed): nothing to show or send.`),
        turns: [],
        firstSeq: 0,
        lastSeq: -1,
        hasOlder: false,
      });
      return;
    }
    try {
      const tipSeq = this.reader.tipSeq(tip);
      if (this.viewSeq !== null && this.viewSeq >= tipSeq) this.viewSeq = null;
      const end = this.viewSeq ?? tipSeq;
      const { turns, from } = this.reader.turns(tip, Math.max(0, Math.min(end - PAGE + 1, reveal ?? end)), end);
      this.firstSeq = from;
      this.lastSeq = end;
      this.lastTurnSeq = turns.at(-1)?.first ?? from;
      this.shownTip = tip;
      this.shownCid = this.reader.event(tip, end).cid.toString();
      const header = this.header(tip);
      this.host.setTitle(header.title);
      this.post({ type: 'reset', header, turns, firstSeq: from, lastSeq: end, hasOlder: from > 0, reveal });
      this.postFileMarks(tip, true);
    } catch (e) {
      // Not an agentlog timeline (a plain git branch), or a broken object: say so, offer nothing.
      this.shownTip = tip;
      this.post({
        type: 'reset',
        header: this.goneHeader(`The timeline ${this.timeline} cannot be read: ${(e as Error).message}`),
        turns: [],
        firstSeq: 0,
        lastSeq: -1,
        hasOlder: false,
      });
    }
  }

  private goneHeader(why: string): HeaderVM {
    return {
      store: this.store.dir,
      timeline: this.timeline,
      title: this.timeline,
      tipSeq: -1,
      viewSeq: -1,
      past: false,
      followsHead: false,
      model: this.host.modelLabel(),
      gone: why,
    };
  }

  private loadOlder(beforeSeq: number): void {
    const tip = this.reader.tip();
    if (!tip || beforeSeq <= 0) return;
    const to = Math.min(beforeSeq, this.firstSeq) - 1;
    if (to < 0) return;
    const { turns, from } = this.reader.turns(tip, Math.max(0, to - PAGE + 1), to);
    this.firstSeq = from;
    this.post({ type: 'older', turns, firstSeq: from, hasOlder: from > 0 });
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
      ...(facts.agent ? { agent: facts.agent } : {}),
      ...this.family(),
    };
  }

  /** Where this timeline sits among its session's: the fork it is, the forks that leave it, who started it. */
  private family(): Pick<HeaderVM, 'forkOf' | 'forks' | 'startedBy'> {
    try {
      for (const s of listSessions(this.store)) {
        const find = (list: TimelineInfo[]): TimelineInfo | undefined => {
          for (const t of list) {
            if (t.name === this.timeline) return t;
            const f = find(t.forks);
            if (f) return f;
          }
          return undefined;
        };
        const t = find(s.timelines);
        if (!t) continue;
        return {
          ...(t.forkOf !== undefined && t.forkSeq !== undefined ? { forkOf: { timeline: t.forkOf, seq: t.forkSeq } } : {}),
          forks: t.forks.filter((f) => f.forkSeq !== undefined).map((f) => ({ timeline: f.name, seq: f.forkSeq! })),
          ...(s.parent && !t.forkOf ? { startedBy: s.parent } : {}),
        };
      }
    } catch {
      // The listing failed (a broken ref elsewhere): the panel shows this timeline without its family.
    }
    return {};
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
   * Resume here: the agent goes on from the viewed point through core's runAgent, `text` its user
   * message. Viewing the past forks first (this panel moves to the fork). The model's text and each
   * tool call stream into the page; every event the run appends (the message, each answer, each tool
   * result) shows as it lands. A write, edit or shell call asks in the page (Allow / Deny) as the
   * `approve` policy says; a Deny is the tool's result. Stop ends the run after the current step, as
   * an `interrupt` event appended by anyone else does.
   */
  async resume(text: string): Promise<void> {
    if (this.run || !text.trim()) return;
    const run: Run = { stop: { requested: false }, asks: new Map() };
    this.run = run;
    try {
      // A panel opened for this resume must show the run and any error: wait for its page.
      await Promise.race([this.whenReady, new Promise((r) => setTimeout(r, READY_WAIT_MS))]);
      const model = await this.host.model();
      if ('error' in model) {
        this.post({ type: 'streamEnd', outcome: 'failed', error: model.error });
        return;
      }
      run.model = model;
      if (run.stop.requested) {
        this.post({ type: 'streamEnd', outcome: 'stopped' });
        return;
      }
      const tip = this.reader.tip();
      if (!tip) throw new Error(`timeline ${this.timeline} no longer exists`);
      if (this.viewSeq !== null) {
        const fork = await this.forkAt(this.viewSeq, freeName(this.store, `${this.timeline}-fork-${this.viewSeq}`));
        if (!fork) return;
        this.timeline = fork;
        this.reader = new TimelineReader(this.store, fork);
        this.viewSeq = null;
        this.reset();
      }
      const cwd = this.reader.event(tip, 0).event.cwd;
      const ws = workspaceChoice(cwd, typeof cwd === 'string' && cwd !== '' && fs.existsSync(cwd), this.host.workspaceFolder());
      if ('error' in ws) {
        this.post({ type: 'streamEnd', outcome: 'failed', error: ws.error });
        return;
      }
      this.post({ type: 'streamStart', model: model.model, workspace: ws.note });
      const result = await runAgent({
        store: this.store,
        name: this.timeline,
        prompt: text,
        workspace: ws.dir,
        api: model.api,
        model: model.model,
        endpoint: model.endpoint,
        env: model.env,
        callModel: model.callModel,
        approve: this.host.approvePolicy(),
        ask: (call) => this.ask(run, call),
        stop: run.stop,
        onEvent: () => {
          this.post({ type: 'streamStep' });
          this.refresh();
        },
        sink: { text: (d) => this.post({ type: 'streamDelta', text: d }), tool: (name) => this.post({ type: 'streamTool', name }) },
        onRetry: (why, attempt, ms) => this.post({ type: 'streamStatus', text: `retry ${attempt} in ${Math.round(ms / 1000)} s: ${why}` }),
        retryDelayMs: this.host.retryDelayMs,
      });
      this.post({ type: 'streamEnd', outcome: result.reason === 'done' ? 'done' : result.reason === 'interrupted' ? 'stopped' : 'max-steps' });
      this.refresh();
    } catch (e) {
      this.refresh();
      this.post({ type: 'streamEnd', outcome: 'failed', error: (e as Error).message });
    } finally {
      for (const id of [...run.asks.keys()]) this.answer(id, false);
      run.model?.release?.();
      this.run = undefined;
    }
  }

  /** A tool call that needs approval: shown in the page with Allow / Deny; the answer comes as an `approval` message. */
  private ask(run: Run, call: { name: string; input: Record<string, unknown> }): Promise<boolean> {
    if (run.stop.requested) return Promise.resolve(false);
    const id = ++this.asked;
    return new Promise<boolean>((resolve) => {
      run.asks.set(id, resolve);
      this.post({ type: 'approve', id, name: call.name, detail: describeCall(call.name, call.input) });
    });
  }

  /** The person's answer to approval `id` (a stale or unknown id is ignored). */
  answer(id: number, allow: boolean): void {
    const resolve = this.run?.asks.get(id);
    if (!resolve) return;
    this.run!.asks.delete(id);
    resolve(allow);
    this.post({ type: 'approvalEnd', id, allow });
  }

  /** Stop the run after its current step (the Stop button); a call waiting for approval is denied. */
  stop(): void {
    const run = this.run;
    if (!run || run.stop.requested) return;
    run.stop.requested = true;
    for (const id of [...run.asks.keys()]) this.answer(id, false);
    this.post({ type: 'streamStatus', text: 'stopping after the current step…' });
  }

  /** The panel closes: stop, and cancel a language-model call under way (nothing half is appended). */
  dispose(): void {
    this.stop();
    this.run?.model?.cancel?.();
  }

  private post(m: HostMessage): void {
    try {
      this.host.post(m);
    } catch {
      // The page is gone (the panel closed): the run goes on to the end of its step, its events are in the log.
    }
  }
}

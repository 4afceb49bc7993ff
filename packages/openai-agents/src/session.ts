import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { AgentInputItem, Session } from '@openai/agents';
import { AgentlogError, type EventInput, Store, type StoredEvent, timelineRef } from '../../../core/index.js';
import { eventItems, FORMAT, itemEvent } from './items.js';

export interface AgentlogSessionOptions {
  /** The store: an open core Store, or its folder (created when absent). */
  store: Store | string;
  /** The session's id (default: a new UUID); its timeline is `openai/<id>`. */
  sessionId?: string;
  /** The clock events are stamped with (default Date.now). */
  now?: () => number;
}

/** The SDK's transaction argument (SessionHistoryTransactionArgs), typed here to stay within the peer's public surface. */
export type HistoryTransaction =
  | { type: 'append_items'; items: AgentInputItem[] }
  | { type: 'replace_suffix'; expectedSuffix: AgentInputItem[]; replacement: AgentInputItem[] };

/** How often a pop or clear starts again when another writer moved the timeline under it. */
const MAX_ROUNDS = 20;

/**
 * The OpenAI Agents SDK's Session on an agentlog timeline (`openai/<sessionId>`): addItems appends
 * one event an item (items.ts), getItems reads them back. History that shrinks or changes (popItem,
 * clearSession, a transaction's replace_suffix) never rewrites a commit: the new history is built on
 * a branch at the last commit it keeps (`<name>.v<N>`), the old tip is kept as `<name>.was-<N>`, and
 * the timeline moves to the new history by compare-and-swap from the tip it was computed from, so a
 * writer that appended meanwhile makes the change fail (a transaction) or start again (pop, clear).
 * Transactions are idempotent: the operation id and a digest of the change are an event of the new
 * history.
 */
export class AgentlogSession implements Session {
  readonly store: Store;
  readonly sessionId: string;
  readonly timeline: string;
  private readonly now: () => number;

  constructor(options: AgentlogSessionOptions) {
    if (typeof options.store === 'string') {
      fs.mkdirSync(options.store, { recursive: true });
      this.store = Store.isMarked(options.store) ? Store.open(options.store) : Store.init(options.store).store;
    } else this.store = options.store;
    this.sessionId = options.sessionId ?? randomUUID();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(this.sessionId)) {
      throw new AgentlogError('E_INPUT', `session id ${JSON.stringify(this.sessionId.slice(0, 80))} is not a name (letters, digits, _ and -, up to 128)`, {});
    }
    this.timeline = `openai/${this.sessionId}`;
    this.now = options.now ?? Date.now;
  }

  async getSessionId(): Promise<string> {
    return this.sessionId;
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const items = this.read().items.map((x) => x.item);
    return limit === undefined ? items : limit <= 0 ? [] : items.slice(-limit);
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    checkItems(items);
    if (items.length === 0) return;
    await this.ensureGenesis(items);
    const chain = {};
    await Promise.all(items.map((item) => this.store.append(this.timeline, itemEvent(item, this.now()), { chain })));
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    for (let round = 1; ; round++) {
      const { tip, events, items } = this.read();
      if (!tip || items.length === 0) return undefined;
      const last = items[items.length - 1].item;
      if (await this.rewrite(tip, events, items, items.length - 1, [])) return last;
      if (round >= MAX_ROUNDS) throw new AgentlogError('E_MOVED', `timeline ${this.timeline} kept moving under popItem (${round} rounds)`, {});
    }
  }

  async clearSession(): Promise<void> {
    for (let round = 1; ; round++) {
      const { tip, events, items } = this.read();
      if (!tip || items.length === 0) return;
      if (await this.rewrite(tip, events, items, 0, [])) return;
      if (round >= MAX_ROUNDS) throw new AgentlogError('E_MOVED', `timeline ${this.timeline} kept moving under clearSession (${round} rounds)`, {});
    }
  }

  /**
   * The SDK's conditional history change (SessionHistoryTransactionAwareSession): append_items, or
   * replace_suffix when the history still ends with `expectedSuffix`, applied at most once per
   * operation id, atomically (one compare-and-swap of the timeline's ref).
   */
  async applyHistoryTransaction(args: { operationId: string; transaction: HistoryTransaction }): Promise<void> {
    const { operationId, transaction } = args ?? ({} as typeof args);
    if (typeof operationId !== 'string' || operationId === '') throw new AgentlogError('E_INPUT', 'a transaction needs a non-empty operationId', {});
    if (transaction?.type !== 'append_items' && transaction?.type !== 'replace_suffix')
      throw new AgentlogError('E_INPUT', 'a transaction is append_items or replace_suffix', {});
    const added = transaction.type === 'append_items' ? transaction.items : transaction.replacement;
    checkItems(added);
    if (transaction.type === 'replace_suffix') checkItems(transaction.expectedSuffix);
    const digest = createHash('sha256').update(canonical(transaction)).digest('hex');
    await this.ensureGenesis(added);
    const { tip, events, items } = this.read();
    const done = events.find((e) => e.event.kind === 'openai.operation' && e.event.operation === operationId);
    if (done) {
      if (done.event.digest === digest) return;
      throw new AgentlogError('E_INPUT', `operation ${operationId} was applied before with another change`, { operationId });
    }
    const mark: EventInput = { kind: 'openai.operation', ts: this.now(), operation: operationId, digest };
    if (transaction.type === 'append_items') {
      const chain = {};
      const all = [...added.map((item) => itemEvent(item, this.now())), mark];
      // The first event must follow the tip read above (compare-and-swap); the rest follow it.
      await Promise.all(all.map((e, i) => this.store.append(this.timeline, e, i === 0 ? { after: tip, chain } : { chain })));
      return;
    }
    const expected = transaction.expectedSuffix;
    const keep = items.length - expected.length;
    if (keep < 0 || canonical(items.slice(keep).map((x) => x.item)) !== canonical(expected)) {
      throw new AgentlogError('E_MOVED', `timeline ${this.timeline} does not end with the expected ${expected.length} item(s); nothing changed`, {});
    }
    if (!tip || !(await this.rewrite(tip, events, items, keep, added, mark))) {
      throw new AgentlogError('E_MOVED', `timeline ${this.timeline} moved while the transaction ${operationId} was applied; nothing changed`, {});
    }
  }

  private read(): { tip?: string; events: StoredEvent[]; items: { seq: number; item: AgentInputItem }[] } {
    const tip = this.store.tipOf(this.timeline);
    if (!tip) return { events: [], items: [] };
    const events = this.store.readEvents(tip);
    return { tip, events, items: eventItems(events) };
  }

  private async ensureGenesis(items: AgentInputItem[]): Promise<void> {
    if (this.store.tipOf(this.timeline)) return;
    const first = items.find((i) => (i as { role?: unknown }).role === 'user') as { content?: unknown } | undefined;
    const text = typeof first?.content === 'string' ? first.content : undefined;
    const genesis: EventInput = {
      kind: 'session',
      ts: this.now(),
      ...(text ? { title: text.replace(/\s+/g, ' ').trim().slice(0, 80) } : {}),
      agent: { name: 'openai-agents' },
      origin: { format: FORMAT, id: this.sessionId },
    };
    try {
      await this.store.create(this.timeline, genesis);
    } catch (e) {
      // Another writer made it first: append to theirs.
      if (!(e instanceof AgentlogError && e.code === 'E_REF' && this.store.tipOf(this.timeline))) throw e;
    }
  }

  /**
   * Make the history the first `keep` items, then `added` (and `mark`), and move the timeline there
   * from `tip` by compare-and-swap; false when it had moved (nothing changed but two kept branches).
   */
  private async rewrite(
    tip: string,
    events: StoredEvent[],
    items: { seq: number; item: AgentInputItem }[],
    keep: number,
    added: AgentInputItem[],
    mark?: EventInput,
  ): Promise<boolean> {
    // The first event that goes: the one of the first item dropped (its earlier items are written again).
    const cutSeq = keep < items.length ? items[keep].seq : events.length;
    const again = items.slice(0, keep).filter((x) => x.seq === cutSeq);
    let base: string | undefined;
    for (const c of this.store.history(tip)) {
      if (c.seq === cutSeq - 1) {
        base = c.oid;
        break;
      }
    }
    if (!base) throw new AgentlogError('E_EVENT', `timeline ${this.timeline} has no commit at seq ${cutSeq - 1}`, {});
    const n = this.nextVersion();
    await this.store.branch(`${this.timeline}.was-${n}`, tip, this.timeline);
    const next = `${this.timeline}.v${n}`;
    await this.store.branch(next, base, this.timeline);
    // The operations applied in the dropped part stay applied (an operation id is used once).
    const operations: EventInput[] = events
      .filter((e) => e.event.seq >= cutSeq && e.event.kind === 'openai.operation')
      .map((e) => ({ kind: 'openai.operation', ts: e.event.ts, operation: e.event.operation, digest: e.event.digest }) as EventInput);
    const fresh: EventInput[] = [...operations, ...[...again.map((x) => x.item), ...added].map((item) => itemEvent(item, this.now())), ...(mark ? [mark] : [])];
    const chain = {};
    await Promise.all(fresh.map((e) => this.store.append(next, e, { chain })));
    return this.store.moveRef(timelineRef(this.timeline), tip, this.store.tipOf(next)!);
  }

  /** The next free rewrite number of this timeline. */
  private nextVersion(): number {
    let n = 0;
    const prefix = `${this.timeline}.was-`;
    for (const name of this.store.timelines().keys()) {
      if (name.startsWith(prefix)) n = Math.max(n, Number(name.slice(prefix.length)) || 0);
    }
    return n + 1;
  }
}

function checkItems(items: unknown): asserts items is AgentInputItem[] {
  if (!Array.isArray(items)) throw new AgentlogError('E_INPUT', 'items must be an array', {});
  items.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new AgentlogError('E_INPUT', `item ${i} is not an object`, {});
  });
}

/** JSON with sorted keys: deep-equal values give the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

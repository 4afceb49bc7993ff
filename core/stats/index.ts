// core/stats/ owns what a store's sessions add up to: events, turns (core/reading), tool calls, the
// tokens the agents recorded (usage.ts: Claude Code's message usage, Codex's token counts, `run`'s
// own) and their cost from a dated price table kept as data (prices.ts). Events that forks share,
// and a model call an agent recorded more than once, are counted once. Reads through Store only.

import { blocksOf, dateOf } from '../event/event.js';
import { readTurns } from '../reading/turns.js';
import type { Store } from '../store/store.js';
import { PRICES } from './prices.js';
import { type Usage, usageOf } from './usage.js';

export type { Usage } from './usage.js';
export { PRICES } from './prices.js';

export type StatsBy = 'day' | 'session' | 'model';

export interface StatsRow {
  /** The day (YYYY-MM-DD, UTC), timeline or model of the row; 'total' for the total. */
  key: string;
  events: number;
  turns: number;
  toolCalls: number;
  tokens: Usage;
  /** In PRICES.currency; models with no price add nothing and are named in `unpriced`. */
  cost: number;
  unpriced: string[];
}

export interface Stats {
  total: StatsRow;
  /** Empty unless grouped (`by`); sorted by key. */
  rows: StatsRow[];
  prices: { date: string; source: string; currency: string };
}

/** The stats of these timelines (name, and the commit to count up to), optionally grouped. */
export function storeStats(store: Store, timelines: readonly { name: string; commit: string }[], by?: StatsBy): Stats {
  const total = emptyRow('total');
  const rows = new Map<string, StatsRow>();
  const row = (key: string): StatsRow => {
    let r = rows.get(key);
    if (!r) {
      r = emptyRow(key);
      rows.set(key, r);
    }
    return r;
  };
  const seenEvents = new Set<string>();
  const seenCalls = new Set<string>();
  for (const t of timelines) {
    const events = store.readEvents(t.commit);
    const turnStarts = new Set(
      readTurns(events.map((e) => e.event))
        .turns.filter((turn) => turn.index > 0)
        .map((turn) => turn.first),
    );
    let codexModel: string | undefined;
    for (const { event: e, cid: c } of events) {
      const cid = c.toString();
      if (e.kind === 'codex.turn_context' && typeof e.model === 'string') codexModel = e.model;
      // A Codex timeline's messages and records answer to the model its last turn_context named.
      const model =
        e.kind === 'message' && typeof e.model === 'string' ? e.model : e.kind === 'message' || e.kind.startsWith('codex.') ? codexModel : undefined;
      const groups = (m: string | undefined): StatsRow[] => {
        if (!by) return [total];
        const key = by === 'day' ? dateOf(e.ts).toISOString().slice(0, 10) : by === 'session' ? t.name : (m ?? '(none)');
        return [total, row(key)];
      };
      if (!seenEvents.has(cid)) {
        seenEvents.add(cid);
        const calls = e.kind === 'message' ? blocksOf(e.content).filter((b) => b.type === 'tool_use').length : 0;
        for (const r of groups(model)) {
          r.events++;
          r.toolCalls += calls;
          if (turnStarts.has(e.seq)) r.turns++;
        }
      }
      const u = usageOf(e, cid, codexModel);
      if (!u || seenCalls.has(u.key)) continue;
      seenCalls.add(u.key);
      const price = priceOf(u.model);
      for (const r of groups(u.model)) {
        r.tokens.input += u.usage.input;
        r.tokens.output += u.usage.output;
        r.tokens.cacheRead += u.usage.cacheRead;
        r.tokens.cacheWrite += u.usage.cacheWrite;
        if (price)
          r.cost +=
            (u.usage.input * price.input + u.usage.output * price.output + u.usage.cacheRead * price.cacheRead + u.usage.cacheWrite * price.cacheWrite) /
            PRICES.perTokens;
        else if (!r.unpriced.includes(u.model ?? '(unknown)')) r.unpriced.push(u.model ?? '(unknown)');
      }
    }
  }
  return {
    total,
    rows: [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    prices: { date: PRICES.date, source: PRICES.source, currency: PRICES.currency },
  };
}

/** The price row of a model: the longest `model` that begins its name. */
export function priceOf(model: string | undefined): (typeof PRICES.models)[number] | undefined {
  if (!model) return undefined;
  let best: (typeof PRICES.models)[number] | undefined;
  for (const p of PRICES.models) if (model.startsWith(p.model) && (!best || p.model.length > best.model.length)) best = p;
  return best;
}

function emptyRow(key: string): StatsRow {
  return { key, events: 0, turns: 0, toolCalls: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0, unpriced: [] };
}

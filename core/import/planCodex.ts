import * as path from 'node:path';
import type { EventInput } from '../store/store.js';
import { CODEX_FORMAT, type CodexLine } from '../formats/codex/records.js';
import { codexEvent, codexGenesis } from '../formats/codex/toEvents.js';
import { parseTs, readJsonl, type ImportWarning, type ReadOptions } from '../formats/jsonl.js';
import type { Lineage } from './lineage.js';
import type { Plan } from './plan.js';

/**
 * The plan of importing a Codex CLI rollout (`~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`):
 * one timeline, `codex/<id>`, one event per record in file order (core/formats/codex/toEvents.ts says
 * which). While the file is being written (follow mode), nothing until the title is settled. A fork
 * (or a session resumed under a new id) becomes a fork of the timeline it left (lineage.ts).
 */
export function planCodex(file: string, warn: (w: ImportWarning) => void, options: ReadOptions = {}): Plan {
  const abs = path.resolve(file);
  const lines = readJsonl(abs, warn, options).lines as CodexLine[];
  const { id, genesis, metaLine, settled } = codexGenesis(abs, lines);
  if (options.partialTail && !settled) return { file: abs, format: CODEX_FORMAT, sessionId: id, timelines: [] };
  let ts = genesis.ts as number;
  const events: EventInput[] = [genesis];
  const numbers: (number | undefined)[] = [metaLine?.line];
  for (const l of metaLine ? lines.slice(1) : lines) {
    ts = parseTs(l.value.timestamp) ?? ts;
    events.push(codexEvent(l.value, ts, events));
    numbers.push(l.line);
  }
  const lineage: Lineage = { sessionId: id, prefix: 'codex/', genesisIsRecord: metaLine !== undefined };
  // Codex 0.16x+ writes a fork as its own records only, naming the source and how many of its records
  // (lines, session_meta included: one event each) the fork continues from.
  const meta = metaLine?.value.payload as Record<string, unknown> | undefined;
  const from = meta?.forked_from_id;
  const upTo = meta?.forked_from_ordinal_exclusive;
  if (typeof from === 'string' && from !== id && typeof upTo === 'number' && Number.isSafeInteger(upTo) && upTo > 0) {
    lineage.forkedFrom = { timeline: codexTimeline(from), shared: upTo };
  }
  return { file: abs, format: CODEX_FORMAT, sessionId: id, timelines: [{ name: codexTimeline(id), events, lines: numbers, lineage }] };
}

/** The timeline of a Codex session id. */
function codexTimeline(id: string): string {
  return `codex/${id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

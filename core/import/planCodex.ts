import * as path from 'node:path';
import type { EventInput } from '../store/store.js';
import { CODEX_FORMAT, type CodexLine } from '../formats/codex/records.js';
import { codexEvent, codexGenesis } from '../formats/codex/toEvents.js';
import { parseTs, readJsonl, type ImportWarning, type ReadOptions } from '../formats/jsonl.js';
import type { Plan } from './plan.js';

/**
 * The plan of importing a Codex CLI rollout (`~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`):
 * one timeline, `codex/<id>`, one event per record in file order (core/formats/codex/toEvents.ts says
 * which). While the file is being written (follow mode), nothing until the title is settled.
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
  return { file: abs, format: CODEX_FORMAT, sessionId: id, timelines: [{ name: `codex/${id.replace(/[^A-Za-z0-9_-]+/g, '-')}`, events, lines: numbers }] };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoreContext } from './types.js';

// Which timeline a fork left (I13): recorded locally when agentlog makes the fork; a store cloned
// with plain git lacks the record and ls falls back to the commit graph.

function forksFile(ctx: StoreContext): string {
  return path.join(ctx.commonDir, 'agentlog', 'forks.json');
}

/** Every recorded fork: fork name → the timeline it left. */
export function forkRecords(ctx: StoreContext): Record<string, string> {
  let text: string | undefined;
  try {
    text = fs.readFileSync(forksFile(ctx), 'utf8');
  } catch {
    text = undefined; // none recorded yet
  }
  return parseForkRecords(text);
}

/** Record which timeline a fork left, under a lock (two forks at once both keep their record, I13). */
export async function recordFork(ctx: StoreContext, name: string, from: string): Promise<void> {
  await ctx.refs.updateFile(forksFile(ctx), (current) => {
    const records = parseForkRecords(current);
    records[name] = from;
    return `${JSON.stringify(records, null, 1)}\n`;
  });
}

/** forks.json's records (fork name → timeline it left); anything unreadable counts as none (I13). */
export function parseForkRecords(text: string | undefined): Record<string, string> {
  // Timeline names are looked up here: no inherited keys ("constructor", "toString" are names too).
  const out: Record<string, string> = Object.create(null);
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    }
  } catch {
    /* not JSON: none */
  }
  return out;
}

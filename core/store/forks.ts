import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
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
  const file = forksFile(ctx);
  try {
    await ctx.refs.updateFile(file, (current) => {
      const records = parseForkRecords(current);
      records[name] = from;
      return `${JSON.stringify(records, null, 1)}\n`;
    });
  } catch (e) {
    if (e instanceof AgentlogError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new AgentlogError('E_IO', `${file} cannot be written (${code}): check that its folder is writable and the disk is not full`, { path: file, code });
  }
}

/**
 * Change the fork records under forks.json's lock (a rename, a delete): `edit` changes the records in
 * place. Returns the file's text before, so that a rename that fails later can put it back (`restoreForks`).
 */
export async function editForkRecords(ctx: StoreContext, edit: (records: Record<string, string>) => void): Promise<string | undefined> {
  let before: string | undefined;
  await writeForks(ctx, (current) => {
    before = current;
    const records = parseForkRecords(current);
    edit(records);
    return `${JSON.stringify(records, null, 1)}\n`;
  });
  return before;
}

/** Put forks.json back as `text` was (undefined: no record at all). */
export async function restoreForks(ctx: StoreContext, text: string | undefined): Promise<void> {
  await writeForks(ctx, () => text ?? '{}\n');
}

async function writeForks(ctx: StoreContext, update: (current: string | undefined) => string): Promise<void> {
  const file = forksFile(ctx);
  try {
    await ctx.refs.updateFile(file, update);
  } catch (e) {
    if (e instanceof AgentlogError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new AgentlogError('E_IO', `${file} cannot be written (${code}): check that its folder is writable and the disk is not full`, { path: file, code });
  }
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

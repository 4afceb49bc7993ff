import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { Store, type StoreOptions } from '../store/store.js';
import { trimSlashes } from './http.js';
import { pullWith } from './pull.js';
import { addRemote, getRemote, normalizeUrl } from './remotes.js';
import { transportFor } from './transport.js';
import type { SyncOptions, SyncReport } from './types.js';

/**
 * A new store at `dir` holding every timeline of the remote at `url` (remote `origin`). The folder
 * must not exist or be empty; on any failure it is removed again (or emptied), leaving nothing
 * half-made.
 */
export async function clone(
  url: string,
  dir: string,
  opts: SyncOptions & { cwd?: string; store?: StoreOptions } = {},
): Promise<{ store: Store; report: SyncReport }> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, dir);
  const stored = normalizeUrl(url, cwd);
  let existed = false;
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory() || fs.readdirSync(abs).length) {
      throw new AgentlogError('E_INPUT', `${abs} already exists and is not an empty folder; clone into a new folder`, { dir: abs });
    }
    existed = true;
  }
  const transport = transportFor(stored, opts.env, opts.timings);
  await transport.heads('fetch'); // reachable, a git server, credentials accepted: before any folder is made
  try {
    const { store } = Store.init(abs, opts.store);
    addRemote(store.gitDir, 'origin', stored);
    const report = await pullWith(store, getRemote(store.gitDir, 'origin'), transport, opts);
    return { store, report };
  } catch (e) {
    if (existed) for (const n of fs.readdirSync(abs)) fs.rmSync(path.join(abs, n), { recursive: true, force: true });
    else fs.rmSync(abs, { recursive: true, force: true });
    throw e;
  }
}

/** The folder `clone URL` makes when none is given: the URL's last path component, minus `.git`. */
export function defaultCloneDir(url: string): string {
  // trimSlashes, not /[/\\]+$/ (quadratic on a long run of slashes: issue 17, point 6).
  const last =
    trimSlashes(url, true)
      .split(/[/\\:]/)
      .pop() ?? '';
  const name = last.replace(/\.git$/, '');
  if (!name || name === '.' || name === '..')
    throw new AgentlogError('E_INPUT', `cannot derive a folder name from ${url}; give one: agentlog clone URL DIR`, { url });
  return name;
}

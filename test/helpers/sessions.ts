import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../../core/store/store.js';
import { tmpdir } from './tmp.js';

/** The project's own small session fixtures (test/fixtures/). */
export const OWN_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/**
 * A record of an agent's session file (or an event) as the assertions read it: any key, any depth,
 * without a cast at each step. The formats' own types are in core/formats/.
 */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk untyped JSONL records field by field; typing them here would only add casts
export type Obj = Record<string, any>;

/** A fresh store in a temporary folder. */
export function freshStore(): Store {
  return Store.init(tmpdir('agentlog-import-')).store;
}

/** The parsed JSON lines of a file (blank lines left out). */
export function jsonLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Every *.jsonl under a folder (recursively), sorted. */
export function jsonlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.jsonl')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

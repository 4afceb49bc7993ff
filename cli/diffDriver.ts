import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerDiffDriver, type Store } from '../core/index.js';

/**
 * The textconv command the store's git diff driver runs (core/store/diffDriver.ts): this CLI by its
 * path as of now (node and cli/bin/agentlog.js) while both are still there, else `agentlog textconv`
 * from the PATH, so that it keeps working when the clone moves or the CLI is installed elsewhere. git
 * runs it through the shell with the file appended.
 */
export function textconvCommand(bin = findBin(), node = process.execPath): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  if (!bin) return 'agentlog textconv';
  return `f() { if [ -f ${q(bin)} ] && [ -x ${q(node)} ]; then ${q(node)} ${q(bin)} textconv "$1"; else agentlog textconv "$1"; fi; }; f`;
}

/** Register the store's diff driver; a failure costs only "Binary files differ" in git, so it is said, not thrown. */
export function registerTextconv(store: Store, say: (m: string) => void): void {
  try {
    registerDiffDriver(store.gitDir, textconvCommand());
  } catch (e) {
    say(`could not register the git diff driver (git log -p will show events as binary): ${(e as Error).message}`);
  }
}

/** cli/bin/agentlog.js of this package, found upward from this file (source or dist/), or undefined. */
function findBin(): string | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; ) {
    const bin = path.join(dir, 'cli', 'bin', 'agentlog.js');
    if (fs.existsSync(bin)) return bin;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

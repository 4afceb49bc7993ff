import * as fs from 'node:fs';

/**
 * agentlog's version, from the package's own package.json: one folder up from cli/ when run from the
 * sources (tests), two from dist/cli/ when compiled (the bin, an installed package).
 */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'agentlog' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* not there: the other layout */
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();

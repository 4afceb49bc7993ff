import * as fs from 'node:fs';
import * as path from 'node:path';

/** Everything that must not change when a sync fails: every ref, the config, the object files. */
export function snapshot(gitDir: string): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.includes(`${path.sep}agentlog${path.sep}tmp`))
        out.push(`${path.relative(gitDir, p)} ${p.includes(`${path.sep}objects${path.sep}`) ? '' : fs.readFileSync(p, 'latin1')}`);
    }
  };
  walk(gitDir);
  return out.join('\n');
}

import { dateOf, type StoredEvent, stringifyDagJson } from '../core/index.js';

/** An event as DAG-JSON-ready data with its CID first (`show --json`, `cat`). */
export function eventJson(e: StoredEvent): Record<string, unknown> {
  return { cid: e.cid, ...e.event };
}

export function toJson(value: unknown, pretty = false): string {
  return stringifyDagJson(value, pretty ? 2 : undefined);
}

/** Rows as aligned columns on a TTY, tab-separated when piped. */
export function table(rows: string[][], tty: boolean): string {
  if (!rows.length) return '';
  if (!tty) return `${rows.map((r) => r.join('\t')).join('\n')}\n`;
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ')).join('\n')}\n`;
}

export function when(ms: number): string {
  return dateOf(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

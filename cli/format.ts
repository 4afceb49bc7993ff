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

/**
 * How `fitTable` makes a table narrower: steps taken in order while the table is too wide, each
 * `[column, width]` narrowing that column to at most that width; and the columns aligned right.
 */
export interface FitColumns {
  shrink: Array<[column: number, width: number]>;
  right?: number[];
}

/**
 * Rows as aligned columns no wider than `width`: the steps of `shrink` narrow columns in turn
 * (a cell that no longer fits ends in …, keeping a final ` #N`), the last column is never padded, and
 * a line that is still too wide is cut at the width. Widths count code points.
 */
export function fitTable(rows: string[][], width: number, fit: FitColumns): string {
  if (!rows.length) return '';
  const len = (s: string) => [...s].length;
  const n = rows[0].length;
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => len(r[i] ?? ''))));
  let total = w.reduce((a, b) => a + b, 0) + 2 * (n - 1);
  for (const [c, floor] of fit.shrink) {
    if (total <= width) break;
    const cut = Math.min(total - width, Math.max(0, w[c] - floor));
    w[c] -= cut;
    total -= cut;
  }
  const right = new Set(fit.right ?? []);
  const cell = (s: string, i: number) => {
    const chars = [...s];
    // A number that tells like cells apart (`List the files #2`) survives the cut.
    const tag = chars.length > w[i] ? (/ #\d+$/.exec(s)?.[0] ?? '') : '';
    const keep = tag.length < w[i] - 1 ? tag : '';
    const text = chars.length > w[i] ? `${chars.slice(0, Math.max(0, w[i] - 1 - keep.length)).join('')}…${keep}` : s;
    if (i === n - 1) return text;
    const pad = ' '.repeat(Math.max(0, w[i] - len(text)));
    return right.has(i) ? pad + text : text + pad;
  };
  const lines = rows.map((r) => {
    const line = r
      .map((c, i) => cell(c ?? '', i))
      .join('  ')
      .trimEnd();
    const chars = [...line];
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : line;
  });
  return `${lines.join('\n')}\n`;
}

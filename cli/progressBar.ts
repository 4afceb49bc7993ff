import type { Output } from './command.js';

/**
 * A progress line on a terminal (stderr), redrawn in place at most every 100 ms and always at the
 * end: `line` gives the text for a state (undefined: nothing to draw yet), `last` whether it is the
 * final one. Nothing at all when `on` is false or the stream is not a terminal. `clear` removes what
 * was drawn before the command prints anything else.
 */
export function ttyProgress<P>(out: Output, on: boolean, line: (p: P, elapsedMs: number) => string | undefined, last: (p: P) => boolean) {
  const show = on && out.isTTY;
  const started = Date.now();
  let drawn = false;
  let at = 0;
  return {
    update: (p: P) => {
      const t = Date.now();
      if (!show || (t - at < 100 && !last(p))) return;
      const text = line(p, t - started);
      if (text === undefined) return;
      at = t;
      out.write(`\r\x1b[K${text}`);
      drawn = true;
    },
    clear: () => {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * The progress bar of a long command on a terminal (`import --all`): a bar, the share done, what is
 * done of what, and an estimate of the time left from the rate so far; stderr only, and only on a
 * terminal (the caller decides). Pure: the line for a state, an elapsed time and a width.
 */

export interface Progress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

/** The bar's line, at most `columns - 1` characters: `importing [=====>    ] 42% 12/57 files, 8.1/20 MB, about 12 s left`. */
export function progressLine(p: Progress, elapsedMs: number, columns: number): string {
  // By bytes where the files have any (a big file counts for what it weighs), else by files.
  const share = p.totalBytes > 0 ? p.bytes / p.totalBytes : p.totalFiles > 0 ? p.files / p.totalFiles : 1;
  const done = Math.min(1, Math.max(0, share));
  const mb = (b: number) => (b / 1e6).toFixed(b < 1e7 ? 1 : 0);
  const elapsed = elapsedMs / 1000;
  const left = done > 0 && done < 1 ? (elapsed * (1 - done)) / done : 0;
  // An estimate only after a second of work (the first files say little about the rate).
  const eta = left > 0 && elapsed >= 1 ? `, about ${clock(left)} left` : '';
  const text = ` ${Math.floor(done * 100)}% ${p.files}/${p.totalFiles} files, ${mb(p.bytes)}/${mb(p.totalBytes)} MB${eta}`;
  const width = Math.max(0, Math.min(30, columns - 1 - 'importing [] '.length - text.length));
  if (width < 5) return `importing:${text}`.slice(0, Math.max(20, columns - 1));
  const full = Math.round(done * width);
  const bar = full >= width ? '='.repeat(width) : `${'='.repeat(full)}>${' '.repeat(width - full - 1)}`;
  return `importing [${bar}]${text}`;
}

/** Seconds in words for an estimate: `42 s`, `3 min`, `1 h 5 min`. */
function clock(s: number): string {
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 90 * 60) return `${Math.ceil(s / 60)} min`;
  const m = Math.ceil(s / 60);
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * "Did you mean": the words closest to a mistyped one (a command, an option), as git and gh suggest.
 * A candidate is close when the typed word starts it, or when few edits (insert, delete, replace,
 * swap two neighbours) turn one into the other: at most 1 for words of up to 4 letters, else 2.
 */
export function closest(typed: string, candidates: readonly string[]): string[] {
  const word = typed.toLowerCase();
  const limit = word.length <= 4 ? 1 : 2;
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const c of candidates) {
    const d = word.length >= 2 && c.startsWith(word) ? 0.5 : distance(word, c.toLowerCase(), limit);
    if (d > limit || d > best) continue;
    if (d < best) found = [];
    best = d;
    found.push(c);
  }
  return found.slice(0, 3);
}

/** Optimal string alignment distance (Levenshtein with swaps), stopping once it exceeds `limit`. */
export function distance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Typed words are short (a command, an option): the full table is small.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/** ` (did you mean "show"?)`, or nothing when no candidate is close. */
export function didYouMean(typed: string, candidates: readonly string[], quote = (s: string) => `"${s}"`): string {
  const found = closest(typed, candidates);
  if (!found.length) return '';
  return `; did you mean ${found.map(quote).join(' or ')}?`;
}

/**
 * A snippet: the part of a field's text around the first place a query's words occur, on one line,
 * at most `width` characters, with where each occurrence is (plain data: a terminal colours the
 * marks, `--json` gives them as they are).
 */
export interface Snippet {
  text: string;
  /** [start, end) of each occurrence of a query word in `text`, in code units. */
  marks: [number, number][];
}

export function snippet(text: string, words: readonly string[], width: number): Snippet {
  const flat = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const lower = flat.toLowerCase();
  const terms = [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w !== ''))].sort((a, b) => b.length - a.length);
  let first = -1;
  for (const t of terms) {
    const at = lower.indexOf(t);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  const room = Math.max(10, width) - 2; // an ellipsis each side at most
  let start = first < 0 ? 0 : Math.max(0, first - Math.floor(room / 4));
  if (flat.length - start < room) start = Math.max(0, flat.length - room);
  // Not in the middle of a word when that costs little.
  if (start > 0) {
    const sp = flat.lastIndexOf(' ', start);
    if (sp >= 0 && start - sp < 12 && (first < 0 || sp < first)) start = sp + 1;
  }
  const end = Math.min(flat.length, start + room);
  const pre = start > 0 ? '…' : '';
  const body = flat.slice(start, end);
  const out = `${pre}${body}${end < flat.length ? '…' : ''}`;
  const marks: [number, number][] = [];
  const lowBody = body.toLowerCase();
  for (const t of terms) {
    for (let at = lowBody.indexOf(t); at >= 0; at = lowBody.indexOf(t, at + t.length)) {
      const s = at + pre.length;
      if (!marks.some(([a, b]) => s < b && s + t.length > a)) marks.push([s, s + t.length]);
    }
  }
  marks.sort((a, b) => a[0] - b[0]);
  return { text: out, marks };
}

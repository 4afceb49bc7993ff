/** A line of a diff: kept (' '), removed ('-') or added ('+'). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/**
 * The lines of `before` → `after` as a diff: the lines both share at the start and at the end are
 * trimmed to `context` each, the rest of `before` removed and the rest of `after` added. Linear in the
 * texts (no search for moved lines): what an edit replaced, which is what Edit and edit_file record.
 */
export function lineDiff(before: string, after: string, context = 3): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const out: DiffLine[] = [];
  for (let i = Math.max(0, start - context); i < start; i++) out.push({ op: ' ', text: a[i] });
  for (let i = start; i < a.length - end; i++) out.push({ op: '-', text: a[i] });
  for (let i = start; i < b.length - end; i++) out.push({ op: '+', text: b[i] });
  for (let i = a.length - end; i < Math.min(a.length, a.length - end + context); i++) out.push({ op: ' ', text: a[i] });
  return out;
}

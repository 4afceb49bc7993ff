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

/**
 * One file of an apply_patch text (`*** Begin Patch` … `*** End Patch`) as the two sides of a diff:
 * `before` is its context and removed lines, `after` its context and added lines, hunks apart by an
 * empty line (a patch holds only the lines around each change, not the whole file). Linear in the patch.
 */
export function patchSides(patch: string, fileIndex: number): { path: string; before: string; after: string } | undefined {
  const before: string[] = [];
  const after: string[] = [];
  let index = -1;
  let path = '';
  for (const line of patch.split('\n')) {
    const head = /^\*\*\* (?:Add|Update|Delete) File: (.*)$/.exec(line);
    if (head) {
      index++;
      if (index === fileIndex) path = head[1].trim();
      continue;
    }
    if (index !== fileIndex) continue;
    if (line.startsWith('*** ')) continue;
    if (line.startsWith('@@')) {
      if (before.length || after.length) {
        before.push('');
        after.push('');
      }
    } else if (line.startsWith('-')) before.push(line.slice(1));
    else if (line.startsWith('+')) after.push(line.slice(1));
    else {
      const text = line.startsWith(' ') ? line.slice(1) : line;
      before.push(text);
      after.push(text);
    }
  }
  return index < fileIndex ? undefined : { path, before: before.join('\n'), after: after.join('\n') };
}

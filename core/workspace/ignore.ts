// `.gitignore` rules, as git reads them (gitignore(5)): a pattern per line, `#` comments, `!` to
// re-include, a trailing `/` for folders only, a `/` at the start or in the middle anchoring the
// pattern to the folder of its file, `*` `?` `[…]` within one path segment and `**` across
// segments. A later rule wins over an earlier one, a deeper file's rules over a higher one's. The
// patterns come from the workspace, so matching is bounded: each segment is matched by the classic
// two-pointer wildcard scan and segments by the same scan with `**` as the star, O(pattern × path)
// at worst, never exponential backtracking; a `.gitignore` bigger than MAX_IGNORE_BYTES is not read.

export const MAX_IGNORE_BYTES = 1 << 20;

export interface IgnoreRule {
  /** The folder of the file the rule came from, relative to the workspace root ('' for the root). */
  base: string;
  negate: boolean;
  dirOnly: boolean;
  /** Matched against the whole path below `base` (a `/` at the start or in the middle), else against the name only. */
  anchored: boolean;
  segments: string[];
}

/** The rules of one ignore file's text, in order; `base` is the folder the file sits in. */
export function parseIgnore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line || line.startsWith('#')) continue;
    // Trailing spaces are dropped unless escaped with a backslash.
    let end = line.length;
    while (end > 0 && line[end - 1] === ' ' && line[end - 2] !== '\\') end--;
    line = line.slice(0, end);
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
    let dirOnly = false;
    if (line.endsWith('/')) {
      dirOnly = true;
      line = line.replace(/\/+$/, '');
    }
    if (!line) continue;
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const segments = line.split('/').filter((s) => s !== '');
    if (!segments.length) continue;
    // A trailing `/**` matches everything inside, not the folder itself: at least one segment more.
    if (segments[segments.length - 1] === '**') segments.push('*');
    rules.push({ base, negate, dirOnly, anchored, segments });
  }
  return rules;
}

/**
 * Whether `rel` (a path relative to the workspace root, `/`-separated) is ignored by `rules` (in
 * order, lowest precedence first): the last rule that matches decides. Folders above `rel` are not
 * looked at: the walk never enters an ignored folder, as git never does.
 */
export function isIgnored(rules: readonly IgnoreRule[], rel: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i];
    if (r.dirOnly && !isDir) continue;
    if (r.base && !rel.startsWith(`${r.base}/`)) continue;
    const below = r.base ? rel.slice(r.base.length + 1) : rel;
    const hit = r.anchored ? matchSegments(r.segments, below.split('/')) : matchSegment(r.segments[0], below.slice(below.lastIndexOf('/') + 1));
    if (hit) return !r.negate;
  }
  return false;
}

/** Path segments against pattern segments, `**` matching any number of segments (two-pointer scan). */
function matchSegments(pattern: readonly string[], path: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < path.length) {
    if (p < pattern.length && pattern[p] === '**') {
      star = p++;
      mark = s;
    } else if (p < pattern.length && matchSegment(pattern[p], path[s])) {
      p++;
      s++;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '**') p++;
  return p === pattern.length;
}

/** One name against one pattern segment: `*`, `?`, `[…]` (with `!`/`^` and ranges), `\` escapes. */
export function matchSegment(pattern: string, name: string): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < name.length) {
    if (p < pattern.length && pattern[p] === '*') {
      while (pattern[p] === '*') p++;
      star = p;
      mark = s;
      continue;
    }
    const step = p < pattern.length ? matchOne(pattern, p, name[s]) : 0;
    if (step > 0) {
      p += step;
      s++;
    } else if (star >= 0) {
      p = star;
      s = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** How many pattern characters at `p` matched `c` (0: no match). */
function matchOne(pattern: string, p: number, c: string): number {
  const ch = pattern[p];
  if (ch === '?') return 1;
  if (ch === '\\' && p + 1 < pattern.length) return pattern[p + 1] === c ? 2 : 0;
  if (ch === '[') {
    let i = p + 1;
    const negate = pattern[i] === '!' || pattern[i] === '^';
    if (negate) i++;
    let hit = false;
    const start = i;
    while (i < pattern.length && (pattern[i] !== ']' || i === start)) {
      let lo = pattern[i];
      if (lo === '\\' && i + 1 < pattern.length) lo = pattern[++i];
      if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
        let hi = pattern[i + 2];
        i += 2;
        if (hi === '\\' && i + 1 < pattern.length) hi = pattern[++i];
        if (c >= lo && c <= hi) hit = true;
      } else if (c === lo) hit = true;
      i++;
    }
    if (i >= pattern.length) return ch === c ? 1 : 0; // no closing `]`: a literal `[`
    return hit !== negate ? i + 1 - p : 0;
  }
  return ch === c ? 1 : 0;
}

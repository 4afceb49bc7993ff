/**
 * git's config file format, parsed once (as git's config.c reads it):
 *
 *     # a comment; so is ; to the end of a line
 *     [section]                  names are case-insensitive: letters, digits, "-" and "."
 *         key = value            keys are case-insensitive: a letter, then letters, digits and "-"
 *         flag                   a key without "=" is a boolean true
 *     [remote "origin"]          a subsection: case-sensitive, \" and \\ escaped
 *         url = "a b" ; c        values: trimmed, quotes removed, \n \t \b \" \\ escapes, a
 *                                backslash at the end of a line continues it, whitespace runs
 *                                outside quotes each become one space per character
 *     [old.Style]                the old form of a subsection (lower-cased, like git)
 *
 * git refuses a file with a malformed line; here a malformed line is skipped (the rest still reads),
 * since a reader that is not git should not be stricter than needed to find its own keys.
 */
export interface ConfigEntry {
  /** Lower-cased. */
  section: string;
  /** As written (case-sensitive), or undefined for a plain `[section]`. */
  subsection: string | undefined;
  /** Lower-cased. */
  key: string;
  /** undefined for a key written without "=" (a boolean true). */
  value: string | undefined;
}

const isKeyChar = (c: string) => /^[A-Za-z0-9-]$/.test(c);
/** git's isspace: space, tab, CR (and newline, handled apart). */
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r';

/** Every entry of a config file's text, in file order. */
export function parseConfig(text: string): ConfigEntry[] {
  const s = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const out: ConfigEntry[] = [];
  let section: string | undefined;
  let subsection: string | undefined;
  let pos = 0;
  /** Skip the rest of a malformed line. */
  const skipLine = () => {
    const nl = s.indexOf('\n', pos);
    pos = nl < 0 ? s.length : nl + 1;
  };
  while (pos < s.length) {
    const c = s[pos];
    if (c === '\n' || isSpace(c)) {
      pos++;
    } else if (c === '#' || c === ';') {
      skipLine();
    } else if (c === '[') {
      const header = readHeader(s, pos + 1);
      if (!header) {
        section = undefined; // keys until the next good header belong to no section
        skipLine();
        continue;
      }
      ({ section, subsection } = header);
      pos = header.pos;
    } else if (/[A-Za-z]/.test(c)) {
      let end = pos;
      while (end < s.length && isKeyChar(s[end])) end++;
      const key = s.slice(pos, end).toLowerCase();
      pos = end;
      while (isSpace(s[pos] ?? '')) pos++;
      let value: string | undefined;
      if (s[pos] === '=') {
        const read = readValue(s, pos + 1);
        pos = read.pos;
        if (read.value === undefined) continue; // malformed: readValue skipped the line
        value = read.value;
      } else if (pos < s.length && s[pos] !== '\n' && s[pos] !== '#' && s[pos] !== ';') {
        skipLine();
        continue;
      }
      if (section !== undefined) out.push({ section, subsection, key, value });
    } else {
      skipLine();
    }
  }
  return out;
}

/** A section header after its "[": the section, its subsection and where the header ends; undefined if malformed. */
function readHeader(s: string, pos: number): { section: string; subsection: string | undefined; pos: number } | undefined {
  let name = '';
  for (;;) {
    const c = s[pos++];
    if (c === undefined || c === '\n') return undefined;
    if (c === ']') break;
    if (isSpace(c)) {
      while (isSpace(s[pos] ?? '')) pos++;
      if (s[pos++] !== '"') return undefined;
      let sub = '';
      for (;;) {
        let d = s[pos++];
        if (d === undefined || d === '\n') return undefined;
        if (d === '"') break;
        if (d === '\\') {
          d = s[pos++];
          if (d === undefined || d === '\n') return undefined;
        }
        sub += d;
      }
      if (s[pos++] !== ']' || !name) return undefined;
      return { section: name, subsection: sub, pos };
    }
    if (!isKeyChar(c) && c !== '.') return undefined;
    name += c.toLowerCase();
  }
  if (!name) return undefined;
  const dot = name.indexOf('.');
  // [section.sub]: the old form of [section "sub"] (already lower-cased, as git does).
  return dot < 0 ? { section: name, subsection: undefined, pos } : { section: name.slice(0, dot), subsection: name.slice(dot + 1), pos };
}

/** A value after its "=", up to the end of its (possibly continued) line; value undefined if malformed. */
function readValue(s: string, pos: number): { value: string | undefined; pos: number } {
  let value = '';
  let quote = false;
  let comment = false;
  let spaces = 0;
  for (;;) {
    const c = s[pos++];
    if (c === undefined || c === '\n') {
      if (quote) return { value: undefined, pos: c === undefined ? s.length : pos };
      return { value, pos: c === undefined ? s.length : pos };
    }
    if (comment) continue;
    if (!quote && isSpace(c)) {
      if (value) spaces++;
      continue;
    }
    if (!quote && (c === ';' || c === '#')) {
      comment = true;
      continue;
    }
    value += ' '.repeat(spaces);
    spaces = 0;
    if (c === '\\') {
      const e = s[pos++];
      if (e === '\n') continue; // a continued line
      const escaped = e === 't' ? '\t' : e === 'b' ? '\b' : e === 'n' ? '\n' : e === '\\' || e === '"' ? e : undefined;
      if (escaped === undefined) {
        const nl = s.indexOf('\n', pos - 1);
        return { value: undefined, pos: nl < 0 ? s.length : nl + 1 };
      }
      value += escaped;
    } else if (c === '"') {
      quote = !quote;
    } else {
      value += c;
    }
  }
}

/**
 * The value of `name` (`section.key` or `section.sub.key`) as `git config --get` gives it: the last
 * one in the file; section and key case-insensitive, the subsection exact; a key written without "="
 * reads as "true". undefined when absent.
 */
export function configValue(entries: readonly ConfigEntry[], name: string): string | undefined {
  const first = name.indexOf('.');
  const last = name.lastIndexOf('.');
  if (first < 0) return undefined;
  const section = name.slice(0, first).toLowerCase();
  const subsection = first === last ? undefined : name.slice(first + 1, last);
  const key = name.slice(last + 1).toLowerCase();
  let found: string | undefined;
  for (const e of entries) {
    if (e.section === section && e.subsection === subsection && e.key === key) found = e.value ?? 'true';
  }
  return found;
}

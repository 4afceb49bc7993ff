import { corrupt } from './object.js';

export interface Signature {
  name: string;
  email: string;
  /** seconds since the epoch */
  time: number;
  /** e.g. '+0000' */
  tz: string;
}

export interface Commit {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

export function serializeCommit(c: Commit): Buffer {
  const lines = [`tree ${c.tree}`];
  for (const p of c.parents) lines.push(`parent ${p}`);
  lines.push(`author ${sig(c.author)}`, `committer ${sig(c.committer)}`, '', c.message);
  return Buffer.from(lines.join('\n'), 'utf8');
}

function sig(s: Signature): string {
  return `${clean(s.name) || 'unknown'} <${clean(s.email)}> ${s.time} ${s.tz}`;
}

/** Names and emails may not hold <, > or newlines; git fsck --strict checks. */
function clean(s: string): string {
  return s.replace(/[<>\n\r\0]/g, '').trim();
}

export function parseCommit(content: Buffer, oid = 'commit'): Commit {
  const text = content.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const message = end < 0 ? '' : text.slice(end + 2);
  let tree = '';
  const parents: string[] = [];
  let author: Signature | undefined;
  let committer: Signature | undefined;
  for (const line of head.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) author = parseSig(line.slice(7));
    else if (line.startsWith('committer ')) committer = parseSig(line.slice(10));
  }
  if (!/^[0-9a-f]{40}$/.test(tree)) throw corrupt(oid, 'it is not a well-formed commit (no tree line naming an object id)');
  if (!author || !committer) throw corrupt(oid, `it is not a well-formed commit (no well-formed ${author ? 'committer' : 'author'} line)`);
  return { tree, parents, author, committer, message };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * `NAME <EMAIL> TIME TZ`, read by a scan from the end: the commit comes from a store or a remote, and
 * the regex this replaces (`^(.*) <(.*)> (-?\d+) ([+-]\d{4})$`) backtracked quadratically — a 300 KB
 * author line made `log`, `show` and `verify` take tens of seconds (issue 17, point 6). Same split as
 * that regex: TZ and TIME fixed from the end, EMAIL up to the `>` before TIME, NAME up to the last ` <`
 * before it; unlike it, NAME and EMAIL may hold \r, U+2028 and U+2029 (git accepts them, and
 * serializeCommit writes them, so a commit we wrote must read back).
 */
function parseSig(s: string): Signature | undefined {
  const n = s.length;
  // ' ' [+-] d d d d at the end
  if (n < 6 || s[n - 6] !== ' ' || (s[n - 5] !== '+' && s[n - 5] !== '-')) return undefined;
  for (let i = n - 4; i < n; i++) if (!isDigit(s.charCodeAt(i))) return undefined;
  let t = n - 6; // TIME ends here (exclusive)
  while (t > 0 && isDigit(s.charCodeAt(t - 1))) t--;
  if (t === n - 6) return undefined;
  if (t > 0 && s[t - 1] === '-') t--;
  // '> ' before TIME, at mailEnd
  const mailEnd = t - 2;
  if (mailEnd < 0 || s[mailEnd] !== '>' || s[mailEnd + 1] !== ' ') return undefined;
  if (mailEnd < 2) return undefined;
  const open = s.lastIndexOf(' <', mailEnd - 2);
  if (open < 0) return undefined;
  return { name: s.slice(0, open), email: s.slice(open + 2, mailEnd), time: Number(s.slice(t, n - 6)), tz: s.slice(n - 5) };
}

/** Trailers at the end of a commit message (`Key: value` lines of the last paragraph). */
export function trailers(message: string): Record<string, string> {
  const paras = message.trimEnd().split(/\n\n/);
  const last = paras[paras.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

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

function parseSig(s: string): Signature | undefined {
  const m = /^(.*) <(.*)> (-?\d+) ([+-]\d{4})$/.exec(s);
  if (!m) return undefined;
  return { name: m[1], email: m[2], time: Number(m[3]), tz: m[4] };
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

import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { removeQuietly, writeNewFile } from '../git/fsio.js';
import { commonDir } from '../git/repo.js';

/**
 * Scanned-clean marks (derived, like the store's other files under `.git/agentlog/`, I14): commits
 * whose events, from genesis up, were judged fit to leave the machine — scanned without a finding
 * the allow list does not cover, or already on the remote. A push walks back from a tip only to the
 * first marked commit (or one the remote holds), so it scans only what is new. A commit id pins every
 * event below it (I15), so a mark stays true as long as the rule set and the allow list it was made
 * under are the same: the file is keyed by both (RULESET and the allow list's digest), and a
 * different key reads as no marks. Missing, damaged (CRC-32) or odd: no marks, a longer scan.
 *
 * File: `.git/agentlog/scanned.json`: `{v: 1, key, clean: [commit…]}`, a newline, the CRC-32 of the
 * body in hex; written whole through a temporary file and a rename; at most MAX_MARKS commits, the
 * newest kept.
 */
const FILE = 'scanned.json';
const VERSION = 1;
const MAX_MARKS = 4096;
const MAX_FILE = 1 << 20;

function file(gitDir: string): string {
  return path.join(commonDir(gitDir), 'agentlog', FILE);
}

export function readScanMarks(gitDir: string, key: string): Set<string> {
  const marks = new Set<string>();
  let text: string;
  try {
    if (fs.statSync(file(gitDir)).size > MAX_FILE) return marks;
    text = fs.readFileSync(file(gitDir), 'utf8');
  } catch {
    return marks;
  }
  const nl = text.lastIndexOf('\n');
  if (nl < 0 || (crc32(text.slice(0, nl)) >>> 0).toString(16) !== text.slice(nl + 1)) return marks;
  let body: { v?: unknown; key?: unknown; clean?: unknown };
  try {
    body = JSON.parse(text.slice(0, nl));
  } catch {
    return marks;
  }
  if (body?.v !== VERSION || body.key !== key || !Array.isArray(body.clean)) return marks;
  for (const c of body.clean) if (typeof c === 'string' && /^[0-9a-f]{40}$/.test(c)) marks.add(c);
  return marks;
}

/** Add `commits` to the marks (read again just before); a write that fails leaves only a longer next scan. */
export function addScanMarks(gitDir: string, key: string, commits: Iterable<string>): void {
  const marks = readScanMarks(gitDir, key);
  for (const c of commits) {
    marks.delete(c);
    marks.add(c);
  }
  const clean = [...marks].slice(-MAX_MARKS);
  const body = JSON.stringify({ v: VERSION, key, clean });
  const target = file(gitDir);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    writeNewFile(tmp, [Buffer.from(`${body}\n${(crc32(body) >>> 0).toString(16)}`)], { mode: 0o644 });
    fs.renameSync(tmp, target);
  } catch {
    removeQuietly(tmp);
  }
}

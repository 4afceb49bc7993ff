import * as path from 'node:path';
import { commonDir } from '../git/repo.js';
import { readCheckedJson, writeCheckedJson } from '../store/checkedJson.js';

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
  const body = readCheckedJson(file(gitDir), MAX_FILE) as { v?: unknown; key?: unknown; clean?: unknown } | undefined;
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
  writeCheckedJson(file(gitDir), { v: VERSION, key, clean: [...marks].slice(-MAX_MARKS) });
}

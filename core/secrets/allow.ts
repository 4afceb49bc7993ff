import { createHash } from 'node:crypto';
import { AgentlogError } from '../errors.js';

/**
 * The allow list: findings a person judged not to be secrets, in a `.agentlogignore`-style text,
 * one entry a line, `#` starting a comment:
 *
 *     rule:basicauth            # every finding of a rule (the short names `agentlog scan` prints)
 *     finding:3f2a9c0d1e4b5a67  # one finding, by its fingerprint, wherever it occurs
 *
 * A bare 16-hex-digit line is a fingerprint too. Anything else is refused (E_INPUT) with its line
 * number: a typo must not silently allow nothing.
 */
export interface AllowList {
  rules: ReadonlySet<string>;
  fingerprints: ReadonlySet<string>;
  /** A digest of the entries (not of comments or order): part of the scanned-clean marks' key. */
  digest: string;
}

export const FINGERPRINT = /^[0-9a-f]{16}$/;
const RULE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_TEXT = 1 << 20;

export const EMPTY_ALLOW: AllowList = { rules: new Set(), fingerprints: new Set(), digest: digestOf([], []) };

function digestOf(rules: string[], fingerprints: string[]): string {
  const h = createHash('sha256');
  for (const r of [...rules].sort()) h.update(`rule:${r}\n`);
  for (const f of [...fingerprints].sort()) h.update(`finding:${f}\n`);
  return h.digest('hex').slice(0, 16);
}

export function parseAllowList(text: string, where = 'the allow list'): AllowList {
  if (text.length > MAX_TEXT) throw new AgentlogError('E_INPUT', `${where} is larger than ${MAX_TEXT} bytes`, { where });
  const rules = new Set<string>();
  const fingerprints = new Set<string>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    const kind = colon >= 0 ? line.slice(0, colon).trim() : '';
    const value = colon >= 0 ? line.slice(colon + 1).trim() : line;
    if ((kind === 'finding' || kind === '') && FINGERPRINT.test(value)) fingerprints.add(value);
    else if (kind === 'rule' && RULE.test(value)) rules.add(value);
    else {
      throw new AgentlogError(
        'E_INPUT',
        `${where}, line ${i + 1}: expected "rule:NAME" or "finding:FINGERPRINT" (16 hex digits), found ${JSON.stringify(line.slice(0, 80))}`,
        { where, line: i + 1 },
      );
    }
  }
  return { rules, fingerprints, digest: digestOf([...rules], [...fingerprints]) };
}

/** The allow list as text, entries sorted (what is stored). */
export function formatAllowList(list: AllowList): string {
  const lines = ['# agentlog allow list: findings that are not secrets (agentlog scan --help)'];
  for (const r of [...list.rules].sort()) lines.push(`rule:${r}`);
  for (const f of [...list.fingerprints].sort()) lines.push(`finding:${f}`);
  return `${lines.join('\n')}\n`;
}

export function isAllowed(list: AllowList, rule: string, fingerprint: string): boolean {
  return list.rules.has(rule) || list.fingerprints.has(fingerprint);
}

/**
 * The rule set: secretlint's recommended preset (AWS, GCP, GitHub, GitLab, npm, Slack, OpenAI,
 * Anthropic, private keys, basic-auth URLs, database connection strings, …), loaded on first use by a
 * dynamic import, so a command that scans nothing (an append, a capture hook, a push with nothing new)
 * never pays its ~90 ms load. High-entropy detection is not added: random-looking ids, hashes and
 * signatures fill every session.
 */

/** A match of a rule in a text: the rule's short name (`github`, `aws`, `privatekey`), and where. */
export interface RuleHit {
  rule: string;
  start: number;
  end: number;
}

/**
 * The rule set's name and version: part of the key of the scanned-clean marks (marks.ts).
 *
 * Node 20: secretlint 12 and 13 declare `engines.node >=22` while agentlog supports Node 20, so npm on
 * Node 20 warns (EBADENGINE) when it installs agentlog; they run on it all the same. Checked
 * 2026-12-03: the scan, push and redact suites pass on Node v20.20.2, and neither @secretlint/core
 * nor the preset (nor their nested profiler and types, 13.1.0) calls an API newer than Node 20
 * (no Array.fromAsync, Promise.withResolvers, Object.groupBy, Set methods, fs.glob,
 * process.getBuiltinModule, require of ESM: they are loaded by import()). 11.7.1, the last to declare
 * >=20, is no substitute: its preset has 17 rules against 13.1.0's 29 (no GitLab, Stripe, Hugging
 * Face, Vercel, Docker, HashiCorp Vault, …; it has Azure, which 13 dropped), and GitLab is one the
 * issue names. Kept at 13.1.0.
 */
export const RULESET = 'secretlint-preset-recommend@13.1.0';

type Lint = (text: string) => Promise<RuleHit[]>;
let loading: Promise<Lint> | undefined;

async function load(): Promise<Lint> {
  const [{ lintSource }, { creator }] = await Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]);
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  return async (text) => {
    const result = await lintSource({
      source: { content: text, filePath: 'event.txt', ext: '.txt', contentType: 'text' },
      // maskSecrets: the rule's message is never read here, and must not hold a secret if it were.
      options: { config, maskSecrets: true, noPhysicFilePath: true },
    });
    const out: RuleHit[] = [];
    for (const m of result.messages) {
      const rule = m.ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
      out.push(rule === 'aws' ? awsValue(text, m.range[0], m.range[1]) : { rule, start: m.range[0], end: m.range[1] });
    }
    return out;
  };
}

/**
 * The aws rule reports a secret access key (`aws_secret_access_key = VALUE`) at the start of the
 * whole match with the value's length: the value is found again after the `=` (or `:`, `=>`), so
 * that a finding's fingerprint and a redaction take the key itself, not its name.
 */
function awsValue(text: string, start: number, end: number): RuleHit {
  const m = /(?::|=>|=)\s*["']?([A-Za-z0-9/+=]{40})/y;
  for (let at = start; at < Math.min(text.length, start + 200); at++) {
    const c = text.charCodeAt(at);
    if (c !== 0x3a && c !== 0x3d) continue;
    m.lastIndex = at;
    const found = m.exec(text);
    if (found) {
      const s = at + found[0].length - 40;
      return { rule: 'aws', start: s, end: s + 40 };
    }
  }
  return { rule: 'aws', start, end };
}

/** The rules' matches in `text` (loading the rule set on first call). */
export function lint(text: string): Promise<RuleHit[]> {
  loading ??= load();
  return loading.then((run) => run(text));
}

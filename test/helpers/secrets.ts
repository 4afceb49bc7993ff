import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/**
 * Fake secrets that look real to the rule set: made here, from a seed, so no real key is ever in the
 * repository, and built from parts, so no line of this file is a key GitHub's push protection would
 * flag. Each has the text a session would hold (a command, a .env line, a URL) and the secret's bytes
 * (what must never reach a remote).
 */
export interface FakeSecret {
  kind: string;
  rule: string;
  /** The text an event holds. */
  text: string;
  /** The secret itself, as found in `text`. */
  secret: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` characters of `alphabet`, deterministic from the seed. */
export function chars(seed: string, n: number, alphabet = ALNUM): string {
  let out = '';
  let block = 0;
  while (out.length < n) {
    const bytes = createHash('sha256').update(`${seed}/${block++}`).digest();
    for (const b of bytes) if (out.length < n) out += alphabet[b % alphabet.length];
  }
  return out;
}

export function fakeSecrets(seed = 'agentlog'): FakeSecret[] {
  const awsSecret = chars(`${seed}aws`, 40, `${ALNUM}/+`);
  const github = ['gh', 'p_'].join('') + chars(`${seed}gh`, 36);
  const openai = ['sk', '-proj-'].join('') + chars(`${seed}oa1`, 74) + ['T3Blbk', 'FJ'].join('') + chars(`${seed}oa2`, 74);
  const anthropic = `${['sk', '-ant-', 'api03-'].join('')}${chars(`${seed}an`, 93)}AA`;
  // A DER sequence's first bytes in base64 (`MI…`): the rule takes a block without them for a placeholder.
  const keyBody = Array.from({ length: 12 }, (_, i) => (i ? '' : 'MIIEpAIBAAKCAQEA') + chars(`${seed}pk${i}`, i ? 64 : 48, `${ALNUM}+/`)).join('\n');
  const dashes = '-'.repeat(5);
  const privateKey = `${dashes}BEGIN RSA PRIVATE KEY${dashes}\n${keyBody}\n${dashes}END RSA PRIVATE KEY${dashes}`;
  const password = chars(`${seed}pw`, 18);
  return [
    {
      kind: 'AWS secret access key',
      rule: 'aws',
      text: `export AWS_ACCESS_KEY_ID=AKIA${chars(`${seed}akid`, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\naws_secret_access_key = ${awsSecret}\n`,
      secret: awsSecret,
    },
    { kind: 'GitHub token', rule: 'github', text: `git clone with GH_TOKEN=${github} set`, secret: github },
    { kind: 'OpenAI key', rule: 'openai', text: `OPENAI_API_KEY="${openai}"`, secret: openai },
    { kind: 'Anthropic key', rule: 'anthropic', text: `ANTHROPIC_API_KEY=${anthropic}`, secret: anthropic },
    { kind: 'private key', rule: 'privatekey', text: `cat ~/.ssh/id_rsa\n${privateKey}\n`, secret: keyBody.split('\n')[3] },
    { kind: 'basic-auth URL', rule: 'basicauth', text: `remote: https://deploy:${password}@git.internal.test/app.git`, secret: password },
  ];
}

/** Every object of a repository, inflated (git cat-file over all objects, reachable or not, loose or packed). */
export function allObjectBytes(gitDir: string): Buffer {
  return execFileSync('git', ['-C', gitDir, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], { maxBuffer: 1 << 30 });
}

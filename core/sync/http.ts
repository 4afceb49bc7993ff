import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { GitHttpResponse } from 'isomorphic-git/http/node';
import { AgentlogError } from '../errors.js';
import { FLUSH, pkt, PktReader, printable, protocolError } from './pktline.js';

/**
 * git's smart-HTTP protocol (version 0/1, stateless RPC), spoken through isomorphic-git's HTTP
 * client, so that sync needs no git CLI. We speak the protocol ourselves rather than call
 * isomorphic-git's push/fetch: its push sends undeltified packs (193 s for a 10,000-event timeline
 * here) and its fetch indexes packs slowly; see pack-write.ts and pack-index.ts for ours.
 */

export const ZERO_OID = '0'.repeat(40);
const AGENT = 'agent=agentlog/0.1';

export interface Advertisement {
  /** Full ref name → commit id. */
  refs: Map<string, string>;
  caps: Set<string>;
}

export type Progress = (phase: string, loaded: number, total?: number) => void;

export interface Credentials {
  username: string;
  password: string;
}

export function remoteError(message: string, data: Record<string, unknown> = {}): AgentlogError {
  return new AgentlogError('E_REMOTE', message, data);
}

/** A URL fit to print: any user name or password in it removed. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

/**
 * Where credentials come from, in order: user and password in the URL (never stored: `remote add`
 * refuses them); AGENTLOG_TOKEN (user: the URL's, else AGENTLOG_USERNAME, else `x-access-token`,
 * which GitHub, Gitea and others accept with a token);
 * then, after a 401, git's credential helper (`git credential fill`, when git is installed; never
 * prompting). Credentials are only ever sent in the Authorization header: never printed, never stored.
 */
export class HttpRemote {
  private readonly base: string;
  private auth: Credentials | undefined;
  private fromHelper = false;
  private triedHelper = false;

  constructor(
    url: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    let u: URL;
    let username: string;
    let password: string;
    try {
      u = new URL(url);
      username = decodeURIComponent(u.username);
      password = decodeURIComponent(u.password);
    } catch {
      throw new AgentlogError('E_INPUT', `"${redact(url)}" is not a valid URL`, { url: redact(url) });
    }
    if (password) this.auth = { username, password };
    else if (env.AGENTLOG_TOKEN) this.auth = { username: username || env.AGENTLOG_USERNAME || 'x-access-token', password: env.AGENTLOG_TOKEN };
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
  }

  get url(): string {
    return this.base;
  }

  private async request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: Buffer, progress?: Progress) {
    for (;;) {
      const h: Record<string, string> = { 'user-agent': 'git/2.0 (agentlog)', ...headers };
      if (this.auth) h.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
      let res: GitHttpResponse;
      try {
        // Loaded on first use: every CLI command would otherwise load it at start-up.
        const { default: http } = await import('isomorphic-git/http/node');
        res = await http.request({
          url: `${this.base}${path}`,
          method,
          headers: h,
          body: (body ? [body] : undefined) as unknown as AsyncIterableIterator<Uint8Array>,
        });
        // (an array body is sent whole, with a Content-Length: git http-backend wants one)
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw remoteError(`cannot reach ${this.base} (${err.code ?? err.message}); check the URL and the network`, { url: this.base, code: err.code });
      }
      let data: Buffer;
      try {
        data = await collect(res.body, progress);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw remoteError(`${this.base} broke off its answer (${err.code ?? err.message}); check the network and try again`, {
          url: this.base,
          code: err.code,
        });
      }
      if (res.statusCode === 401 || res.statusCode === 403) {
        if (this.fromHelper) await credentialHelper(this.env, 'reject', this.base, this.auth!);
        if (!this.triedHelper && res.statusCode === 401) {
          this.triedHelper = true;
          const got = await credentialHelper(this.env, 'fill', this.base);
          if (got && (got.username !== this.auth?.username || got.password !== this.auth?.password)) {
            this.auth = got;
            this.fromHelper = true;
            continue;
          }
        }
        throw remoteError(
          `authentication failed for ${this.base} (HTTP ${res.statusCode}${this.auth ? ', the credentials given were refused' : ', no credentials given'}); ` +
            'set AGENTLOG_TOKEN (and AGENTLOG_USERNAME if the server wants one) or configure a git credential helper',
          { url: this.base, status: res.statusCode },
        );
      }
      if (this.fromHelper && res.statusCode < 300) {
        await credentialHelper(this.env, 'approve', this.base, this.auth!);
        this.fromHelper = false;
      }
      return { status: res.statusCode, headers: res.headers ?? {}, data };
    }
  }

  /** The refs a service advertises (`git-upload-pack` for fetching, `git-receive-pack` for pushing). */
  async discover(service: 'git-upload-pack' | 'git-receive-pack'): Promise<Advertisement> {
    const res = await this.request('GET', `/info/refs?service=${service}`, { accept: '*/*' });
    const type = String(res.headers['content-type'] ?? '');
    if (res.status !== 200 || type !== `application/x-${service}-advertisement`) {
      throw remoteError(
        `${this.base} is not a git server (GET /info/refs?service=${service} answered HTTP ${res.status}${type ? `, ${type.split(';')[0]}` : ''}); ` +
          'give the URL of a git repository (for example https://host/owner/repo.git)',
        { url: this.base, status: res.status },
      );
    }
    const r = new PktReader(res.data, this.base);
    const first = r.line();
    if (first !== `# service=${service}`)
      throw new AgentlogError('E_PROTOCOL', `${this.base} answered with something other than a ref advertisement`, { url: this.base });
    for (let line = r.line(); line !== null; line = r.line()) {
      // skip to the flush after the service line
      if (line === undefined) throw protocolError(this.base, 'the ref advertisement ends before its refs');
    }
    const refs = new Map<string, string>();
    let caps = new Set<string>();
    let line = r.line();
    for (; line; line = r.line()) {
      if (line.startsWith('ERR ')) throw remoteError(`${this.base}: ${line.slice(4)}`, { url: this.base });
      const nul = line.indexOf('\0');
      const main = nul >= 0 ? line.slice(0, nul) : line;
      if (nul >= 0)
        caps = new Set(
          line
            .slice(nul + 1)
            .split(' ')
            .filter(Boolean),
        );
      const [oid, name] = main.split(' ');
      if (oid && name && oid !== ZERO_OID && !name.endsWith('^{}')) refs.set(name, oid);
    }
    if (line === undefined) throw protocolError(this.base, 'the ref advertisement is cut short: no flush-pkt after its refs');
    return { refs, caps };
  }

  /**
   * Ask upload-pack for one pack holding `wants` and what they reach, minus what `haves` reach.
   * Returns the raw pack.
   */
  async fetchPack(wants: string[], haves: string[], progress?: Progress): Promise<Buffer> {
    const parts: Buffer[] = [];
    wants.forEach((w, i) => {
      parts.push(pkt(`want ${w}${i === 0 ? ` ofs-delta no-progress ${AGENT}` : ''}\n`));
    });
    parts.push(FLUSH);
    for (const h of haves) parts.push(pkt(`have ${h}\n`));
    parts.push(pkt('done\n'));
    const res = await this.request(
      'POST',
      '/git-upload-pack',
      { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
      Buffer.concat(parts),
      progress,
    );
    if (res.status !== 200)
      throw remoteError(`${this.base}: fetching failed (HTTP ${res.status}: ${printable(res.data.subarray(0, 200))})`, { url: this.base });
    const r = new PktReader(res.data, this.base);
    for (;;) {
      if (res.data.toString('latin1', r.pos, r.pos + 4) === 'PACK') return r.rest();
      const line = r.line();
      if (line === undefined) throw new AgentlogError('E_PROTOCOL', `${this.base}: the fetch answer holds no pack`, { url: this.base });
      if (line?.startsWith('ERR ')) throw remoteError(`${this.base}: ${line.slice(4)}`, { url: this.base });
    }
  }

  /**
   * Send ref updates and one pack to receive-pack. Returns, per ref, undefined when accepted or the
   * server's reason when refused (`fetch first`, `non-fast-forward`, `stale info`…).
   */
  async pushPack(updates: Array<{ ref: string; old: string; next: string }>, pack: Buffer, progress?: Progress): Promise<Map<string, string | undefined>> {
    const parts: Buffer[] = [];
    updates.forEach((u, i) => {
      parts.push(pkt(`${u.old} ${u.next} ${u.ref}${i === 0 ? `\0report-status ${AGENT}` : ''}\n`));
    });
    parts.push(FLUSH, pack);
    progress?.('sending', pack.length, pack.length);
    const res = await this.request(
      'POST',
      '/git-receive-pack',
      { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
      Buffer.concat(parts),
    );
    if (res.status !== 200) throw remoteError(`${this.base}: push failed (HTTP ${res.status}: ${printable(res.data.subarray(0, 200))})`, { url: this.base });
    const r = new PktReader(res.data, this.base);
    const out = new Map<string, string | undefined>();
    for (let line = r.line(); line; line = r.line()) {
      if (line.startsWith('unpack ')) {
        if (line !== 'unpack ok') throw remoteError(`${this.base} could not store the pushed objects: ${line.slice(7)}`, { url: this.base });
      } else if (line.startsWith('ok ')) out.set(line.slice(3), undefined);
      else if (line.startsWith('ng ')) {
        const rest = line.slice(3);
        const sp = rest.indexOf(' ');
        out.set(rest.slice(0, sp), rest.slice(sp + 1));
      } else if (line.startsWith('ERR ')) throw remoteError(`${this.base}: ${line.slice(4)}`, { url: this.base });
    }
    for (const u of updates) if (!out.has(u.ref)) out.set(u.ref, 'no status reported by the server');
    return out;
  }
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined, progress?: Progress): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  let shown = 0;
  for await (const c of body) {
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    n += c.byteLength;
    if (progress && n - shown > 1 << 20) {
      shown = n;
      progress('receiving', n);
    }
  }
  if (progress && n) progress('receiving', n);
  return Buffer.concat(chunks);
}

/**
 * git's credential helper protocol (`git credential fill|approve|reject`), when git is installed.
 * Never prompts on the terminal (GIT_TERMINAL_PROMPT=0); an askpass helper set in the environment
 * (VS Code sets one) may still answer.
 */
async function credentialHelper(
  env: NodeJS.ProcessEnv,
  action: 'fill' | 'approve' | 'reject',
  url: string,
  cred?: Credentials,
): Promise<Credentials | undefined> {
  const u = new URL(url);
  let input = `protocol=${u.protocol.replace(/:$/, '')}\nhost=${u.host}\npath=${u.pathname.replace(/^\//, '')}\n`;
  if (cred) input += `username=${cred.username}\npassword=${cred.password}\n`;
  // Asynchronous: an askpass helper may be served by this very process (VS Code's is).
  const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
    let stdout = '';
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn('git', ['credential', action], { env: { ...env, GIT_TERMINAL_PROMPT: '0' }, stdio: ['pipe', 'pipe', 'ignore'], timeout: 60_000 });
    } catch {
      resolve({ status: null, stdout: '' });
      return;
    }
    child.on('error', () => resolve({ status: null, stdout: '' })); // no git CLI: no helper
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout }));
    child.stdin.on('error', () => {});
    child.stdin.end(`${input}\n`);
  });
  if (action !== 'fill' || r.status !== 0 || !r.stdout) return undefined;
  const got: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) got[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return got.password !== undefined ? { username: got.username ?? '', password: got.password } : undefined;
}

import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import * as http from 'node:http';
import * as https from 'node:https';
import * as fs from 'node:fs';
import { AgentlogError } from '../errors.js';
import { ioError, writeAll } from '../git/fsio.js';
import { durationText, type HttpTimings, sizeText, syncLimits, syncTimings } from './limits.js';
import { DELIM, FLUSH, pkt, PktReader, printable, protocolError } from './pktline.js';

/**
 * git's smart-HTTP protocol (version 0/1, stateless RPC), spoken over Node's own http/https, so that
 * sync needs no git CLI. We speak the protocol ourselves rather than call isomorphic-git's push/fetch:
 * its push sends undeltified packs (193 s for a 10,000-event timeline here) and its fetch indexes
 * packs slowly; see git/pack/buildPack.ts and git/pack/indexPack.ts for ours. Not isomorphic-git's
 * HTTP client either: it asks for gzip and inflates without bound, and reads answers whole; here
 * every answer is read under a limit (limits.ts) and a compressed one is refused.
 */

export const ZERO_OID = '0'.repeat(40);
const AGENT = 'agent=agentlog/0.1';

export interface Advertisement {
  /** Full ref name → commit id. */
  refs: Map<string, string>;
  caps: Set<string>;
  /** How many ref lines the server sent. */
  advertised: number;
  /** 2 when the refs came from protocol v2's ls-refs, else 0 (v0 or v1). */
  protocol: 0 | 2;
}

export type Progress = (phase: string, loaded: number, total?: number) => void;

export interface Credentials {
  username: string;
  password: string;
}

/**
 * `text` without the slashes (and, with `backslashes`, backslashes) it ends with. A loop, not
 * /\/+$/: that pattern retries from every slash of a long run and takes quadratic time on a URL of
 * slashes (issue 17, point 6).
 */
export function trimSlashes(text: string, backslashes = false): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '/' || (backslashes && text[end - 1] === '\\'))) end--;
  return text.slice(0, end);
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
    private readonly timings: Partial<HttpTimings> = {},
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
    this.base = trimSlashes(u.toString());
  }

  get url(): string {
    return this.base;
  }

  /**
   * One request, its answer read whole under `limit` bytes (limits.ts): an answer that says or
   * turns out to be larger, that is compressed (we ask for none: a gzip answer could inflate without
   * bound), or that breaks off is an E_REMOTE error naming this remote. A GET that breaks off before
   * its answer is complete is sent once more (it changes nothing on the server); a POST never is.
   */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    limit: { bytes: number; what: string; env?: string; sink?: (chunk: Buffer) => void },
    body?: Body,
    progress?: Progress,
  ) {
    const timing = { ...syncTimings(this.env), ...this.timings };
    for (let tries = 0; ; tries++) {
      const h: Record<string, string> = { 'user-agent': 'git/2.0 (agentlog)', 'accept-encoding': 'identity', ...headers };
      if (this.auth) h.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
      let res: Answer;
      try {
        res = await send(`${this.base}${path}`, method, h, body, limit, timing, progress);
      } catch (e) {
        if (!(e instanceof NetError)) throw e;
        if (e.kind === 'limit') {
          throw remoteError(
            `${this.base} sent more than ${sizeText(limit.bytes)} as ${limit.what}; refused, nothing was changed here` +
              (limit.env ? ` (if the store is really that large, raise ${limit.env})` : ''),
            { url: this.base, limit: limit.bytes },
          );
        }
        if (e.kind === 'encoding') {
          throw remoteError(`${this.base} sent a ${e.detail}-encoded answer, which agentlog does not accept (it asks for none); nothing was changed here`, {
            url: this.base,
          });
        }
        if (e.kind === 'timeout') {
          throw remoteError(
            `${this.base} did not finish answering within ${durationText(timing.totalMs)}` +
              (method === 'POST' ? ' (the server may still be working on it)' : '') +
              '; try again, or allow more time with AGENTLOG_HTTP_TIMEOUT (seconds)',
            { url: this.base, timeoutMs: timing.totalMs, answer: 'lost' },
          );
        }
        if (method === 'GET' && tries < 1) continue; // safe to repeat: a GET changes nothing
        if (e.kind === 'connect') {
          throw remoteError(`cannot reach ${this.base} (${e.detail}); check the URL and the network`, { url: this.base, code: e.detail });
        }
        throw remoteError(`${this.base} broke off its answer (${e.detail}); nothing was changed here; check the network and try again`, {
          url: this.base,
          code: e.detail,
          answer: 'lost',
        });
      }
      if (res.status === 401 || res.status === 403) {
        if (this.fromHelper) await credentialHelper(this.env, 'reject', this.base, this.auth!);
        if (!this.triedHelper && res.status === 401) {
          this.triedHelper = true;
          const got = await credentialHelper(this.env, 'fill', this.base);
          if (got && (got.username !== this.auth?.username || got.password !== this.auth?.password)) {
            this.auth = got;
            this.fromHelper = true;
            tries--;
            continue;
          }
        }
        throw remoteError(
          `authentication failed for ${this.base} (HTTP ${res.status}${this.auth ? ', the credentials given were refused' : ', no credentials given'}); ` +
            'set AGENTLOG_TOKEN (and AGENTLOG_USERNAME if the server wants one) or configure a git credential helper',
          { url: this.base, status: res.status },
        );
      }
      if (this.fromHelper && res.status < 300) {
        await credentialHelper(this.env, 'approve', this.base, this.auth!);
        this.fromHelper = false;
      }
      return res;
    }
  }

  /**
   * The refs a service advertises (`git-upload-pack` for fetching, `git-receive-pack` for pushing).
   * Fetching asks for protocol v2 (the Git-Protocol header); a server that speaks it answers with its
   * capabilities only, and the refs come from `ls-refs` limited to `refPrefixes` (issue 20: a remote's
   * other refs, pull requests and the like, are never listed). A server that does not answers as
   * before (v0/v1), with every ref. `advertised` counts the ref lines received either way.
   */
  async discover(service: 'git-upload-pack' | 'git-receive-pack', refPrefixes: readonly string[] = ['refs/heads/']): Promise<Advertisement> {
    const limits = syncLimits(this.env);
    const v2: Record<string, string> = service === 'git-upload-pack' ? { 'git-protocol': 'version=2' } : {};
    const res = await this.request(
      'GET',
      `/info/refs?service=${service}`,
      { accept: '*/*', ...v2 },
      { bytes: limits.advertisement, what: 'its ref advertisement' },
    );
    const type = String(res.headers['content-type'] ?? '');
    if (res.status === 404) {
      throw remoteError(
        `no repository at ${this.base} (GET /info/refs?service=${service} answered HTTP 404): check the URL, and that the repository exists and this account can read it`,
        { url: this.base, status: res.status },
      );
    }
    if (res.status !== 200 || type !== `application/x-${service}-advertisement`) {
      throw remoteError(
        `${this.base} is not a git server (GET /info/refs?service=${service} answered HTTP ${res.status}${type ? `, ${type.split(';')[0]}` : ''}); ` +
          'give the URL of a git repository (for example https://host/owner/repo.git)',
        { url: this.base, status: res.status },
      );
    }
    const r = new PktReader(res.data, this.base);
    const first = r.line();
    // git http-backend answers v2 without the service line; other servers put it first.
    if (first === 'version 2' && service === 'git-upload-pack') return this.lsRefs(r, refPrefixes);
    if (first !== `# service=${service}`)
      throw new AgentlogError('E_PROTOCOL', `${this.base} answered with something other than a ref advertisement`, { url: this.base });
    for (let line = r.line(); line !== null; line = r.line()) {
      // skip to the flush after the service line
      if (line === undefined) throw protocolError(this.base, 'the ref advertisement ends before its refs');
    }
    let line = r.line();
    if (line === 'version 2' && service === 'git-upload-pack') return this.lsRefs(r, refPrefixes);
    if (line === 'version 1') line = r.line();
    const refs = new Map<string, string>();
    let caps = new Set<string>();
    let advertised = 0;
    for (let firstRef = true; line; line = r.line(), firstRef = false) {
      if (line.startsWith('ERR ')) throw remoteError(`${this.base}: ${printable(Buffer.from(line.slice(4, 300)))}`, { url: this.base });
      const ref = parseRefLine(line, firstRef, this.base);
      if (ref.caps) caps = ref.caps;
      advertised++;
      if (ref.oid !== ZERO_OID && !ref.name.endsWith('^{}')) refs.set(ref.name, ref.oid);
    }
    if (line === undefined) throw protocolError(this.base, 'the ref advertisement is cut short: no flush-pkt after its refs');
    return { refs, caps, advertised, protocol: 0 };
  }

  /**
   * Protocol v2: the capabilities after `version 2` (up to a flush), then the refs under `prefixes`
   * from an `ls-refs` command (gitprotocol-v2), each line `<oid> <name>`, read as a v0 ref line is.
   */
  private async lsRefs(r: PktReader, prefixes: readonly string[]): Promise<Advertisement> {
    const caps = new Set<string>();
    for (let line = r.line(); line !== null; line = r.line()) {
      if (line === undefined) throw protocolError(this.base, 'the v2 capability advertisement is cut short: no flush-pkt');
      caps.add(line.split('=')[0]);
    }
    if (!caps.has('ls-refs')) throw protocolError(this.base, 'a protocol v2 server that offers no ls-refs');
    const body = Buffer.concat([
      pkt('command=ls-refs\n'),
      ...(caps.has('agent') ? [pkt(`${AGENT}\n`)] : []),
      DELIM,
      ...prefixes.map((p) => pkt(`ref-prefix ${p}\n`)),
      FLUSH,
    ]);
    const res = await this.request(
      'POST',
      '/git-upload-pack',
      { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result', 'git-protocol': 'version=2' },
      { bytes: syncLimits(this.env).advertisement, what: 'its ref list' },
      body,
    );
    if (res.status !== 200)
      throw remoteError(`${this.base}: listing refs failed (HTTP ${res.status}: ${printable(res.data.subarray(0, 200))})`, { url: this.base });
    const lr = new PktReader(res.data, this.base);
    const refs = new Map<string, string>();
    let advertised = 0;
    let line = lr.line();
    for (; line; line = lr.line()) {
      if (line.startsWith('ERR ')) throw remoteError(`${this.base}: ${printable(Buffer.from(line.slice(4, 300)))}`, { url: this.base });
      const ref = parseRefLine(line, false, this.base);
      advertised++;
      // Asked for `prefixes` only: anything else the server sends is not taken.
      if (prefixes.some((p) => ref.name.startsWith(p)) && ref.oid !== ZERO_OID) refs.set(ref.name, ref.oid);
    }
    if (line === undefined) throw protocolError(this.base, 'the ref list is cut short: no flush-pkt after its refs');
    return { refs, caps, advertised, protocol: 2 };
  }

  /**
   * Ask upload-pack for one pack holding `wants` and what they reach, minus what `haves` reach.
   * Returns the raw pack.
   */
  async fetchPack(wants: string[], haves: string[], into: string, progress?: Progress): Promise<number> {
    const parts: Buffer[] = [];
    for (const [i, w] of wants.entries()) parts.push(pkt(`want ${w}${i === 0 ? ` ofs-delta no-progress ${AGENT}` : ''}\n`));
    parts.push(FLUSH);
    for (const h of haves) parts.push(pkt(`have ${h}\n`));
    parts.push(pkt('done\n'));
    // The answer: pkt-lines (NAK, or ERR), then the pack's raw bytes, which go straight to `into` as
    // they arrive (issue 17, point 13): memory holds at most the lines before the pack.
    const sink = new PackSink(into, this.base);
    try {
      const res = await this.request(
        'POST',
        '/git-upload-pack',
        { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
        { bytes: syncLimits(this.env).pack, what: 'a pack', env: 'AGENTLOG_MAX_PACK_BYTES', sink: (c) => sink.take(c) },
        Buffer.concat(parts),
        progress,
      );
      const head = sink.head();
      if (res.status !== 200) throw remoteError(`${this.base}: fetching failed (HTTP ${res.status}: ${printable(head.subarray(0, 200))})`, { url: this.base });
      if (sink.packBytes > 0) return sink.packBytes;
      const r = new PktReader(head, this.base);
      for (;;) {
        const line = r.line();
        if (line === undefined) throw new AgentlogError('E_PROTOCOL', `${this.base}: the fetch answer holds no pack`, { url: this.base });
        if (line?.startsWith('ERR ')) throw remoteError(`${this.base}: ${line.slice(4)}`, { url: this.base });
      }
    } finally {
      sink.close();
    }
  }

  /**
   * Send ref updates and one pack to receive-pack. Returns, per ref, undefined when accepted or the
   * server's reason when refused (`fetch first`, `non-fast-forward`, `stale info`…).
   */
  async pushPack(
    updates: Array<{ ref: string; old: string; next: string }>,
    pack: Buffer | { bytes: number; stream(): Readable },
    progress?: Progress,
  ): Promise<Map<string, string | undefined>> {
    const parts: Buffer[] = [];
    for (const [i, u] of updates.entries()) parts.push(pkt(`${u.old} ${u.next} ${u.ref}${i === 0 ? `\0report-status ${AGENT}` : ''}\n`));
    parts.push(FLUSH);
    const commands = Buffer.concat(parts);
    // The pack streams from its file as the connection takes it (issue 20): never whole in memory.
    const body: Body = Buffer.isBuffer(pack)
      ? Buffer.concat([commands, pack])
      : { length: commands.length + pack.bytes, open: () => Readable.from(concatStreams(commands, pack.stream())) };
    const res = await this.request(
      'POST',
      '/git-receive-pack',
      { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
      { bytes: syncLimits(this.env).pushAnswer, what: 'its answer to a push' },
      body,
      progress,
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

async function* concatStreams(head: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of rest as AsyncIterable<Buffer>) yield chunk;
}

/** An object id as the protocol sends it: 40 lowercase hex digits, nothing else (never a path). */
const OID = /^[0-9a-f]{40}$/;

/**
 * One line of a ref advertisement, parsed exactly (gitprotocol-http): `<oid> SP <refname>`, the
 * first line followed by NUL and the capabilities. The name is everything after the first space (a
 * space inside it is kept, for the name check to refuse); an id that is not 40 lowercase hex digits
 * is a protocol error before it is used anywhere.
 */
export function parseRefLine(line: string, first: boolean, url: string): { oid: string; name: string; caps?: Set<string> } {
  const nul = first ? line.indexOf('\0') : -1;
  const main = nul >= 0 ? line.slice(0, nul) : line;
  const oid = main.slice(0, 40);
  if (!OID.test(oid) || main[40] !== ' ' || main.length < 42) {
    throw protocolError(url, `a ref advertisement line is not "<40 hex digits> <ref name>": "${printable(Buffer.from(main.slice(0, 120)))}"`);
  }
  const caps =
    nul >= 0
      ? new Set(
          line
            .slice(nul + 1)
            .split(' ')
            .filter(Boolean),
        )
      : undefined;
  return { oid, name: main.slice(41), caps };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: Buffer;
}

/** Why a request failed below HTTP: no connection, an answer broken off, too large, compressed, or too slow. */
class NetError extends Error {
  constructor(
    readonly kind: 'connect' | 'broken' | 'limit' | 'encoding' | 'timeout',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * A request body: bytes at hand, or `length` bytes that `open()` streams (a pack on disk), opened
 * again if the request must be sent again (after a 401).
 */
export type Body = Buffer | { length: number; open(): Readable };

/**
 * Send one request with Node's own HTTP client and read its answer whole, never more than
 * `limit.bytes` (checked against Content-Length first, then as it arrives), never compressed. A GET
 * follows up to five redirects (credentials only to the same origin).
 *
 * Time (issue 20): a server may be silent for minutes while it works (git http-backend indexing a
 * pushed pack, counting objects for a clone), so no idle time-out ends a request. Each request has
 * its own connection (no keep-alive pool: Node's default agent drops an idle pooled socket after
 * 5 s, and a socket the server closed while this process was busy would carry the next request into
 * a reset); TCP keep-alive probes find a peer that is gone; `timing.totalMs` bounds the whole request
 * (a clear E_REMOTE error); while the server is quiet, `waiting` progress says for how long.
 */
function send(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: Body | undefined,
  limit: { bytes: number; sink?: (chunk: Buffer) => void },
  timing: HttpTimings,
  progress?: Progress,
  redirects = 0,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    let lastActivity = Date.now();
    let stream: Readable | undefined;
    const timers: NodeJS.Timeout[] = [];
    const done = (): void => {
      settled = true;
      for (const t of timers) clearTimeout(t);
    };
    const fail = (e: unknown): void => {
      if (settled) return;
      done();
      req.destroy();
      stream?.destroy();
      reject(e);
    };
    timers.push(setTimeout(() => fail(new NetError('timeout', `${timing.totalMs / 1000} s`)), timing.totalMs));
    if (progress && timing.noticeMs > 0) {
      const quiet = (): void => {
        const q = Date.now() - lastActivity;
        if (q >= timing.noticeMs) progress('waiting', Math.round(q / 1000));
        timers.push(setTimeout(quiet, Math.max(timing.noticeMs - q, Math.min(timing.noticeMs, 1000))));
      };
      timers.push(setTimeout(quiet, timing.noticeMs));
    }
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    let answered = false;
    const req = client.request(target, { method, agent: false, headers: body ? { ...headers, 'content-length': String(body.length) } : headers }, (res) => {
      answered = true;
      lastActivity = Date.now();
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (method === 'GET' && location && [301, 302, 303, 307, 308].includes(status) && redirects < 5) {
        res.resume();
        done();
        const next = new URL(location, target);
        const h = { ...headers };
        if (next.origin !== target.origin) delete h.authorization;
        send(next.toString(), method, h, body, limit, timing, progress, redirects + 1).then(resolve, reject);
        return;
      }
      const encoding = String(res.headers['content-encoding'] ?? 'identity')
        .trim()
        .toLowerCase();
      if (encoding !== 'identity' && encoding !== '') return fail(new NetError('encoding', encoding.slice(0, 40)));
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit.bytes) return fail(new NetError('limit', String(declared)));
      const chunks: Buffer[] = [];
      let n = 0;
      let shown = 0;
      res.on('data', (c: Buffer) => {
        if (settled) return;
        lastActivity = Date.now();
        n += c.length;
        if (n > limit.bytes) return fail(new NetError('limit', String(n)));
        if (limit.sink) {
          try {
            limit.sink(c);
          } catch (e) {
            // The sink could not keep it (a disk error): that error ends the request as it is.
            return fail(e);
          }
        } else chunks.push(c);
        if (progress && n - shown > 1 << 20) {
          shown = n;
          progress('receiving', n);
        }
      });
      res.on('error', (e: NodeJS.ErrnoException) => fail(new NetError('broken', e.code ?? e.message)));
      res.on('close', () => {
        if (!res.complete) fail(new NetError('broken', 'the connection closed before the answer was complete'));
      });
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(new NetError('broken', 'the connection closed before the answer was complete'));
        done();
        if (progress && n) progress('receiving', n);
        resolve({ status, headers: res.headers, data: Buffer.concat(chunks, n) });
      });
    });
    // Connected, the request may have reached the server: an error from then on is an answer lost.
    let connected = false;
    req.on('error', (e: NodeJS.ErrnoException) => fail(new NetError(answered || connected ? 'broken' : 'connect', e.code ?? e.message)));
    req.on('socket', (socket) => {
      socket.setKeepAlive(true, 30_000);
      socket.once('connect', () => (connected = true));
    });
    if (!body || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    // A streamed body: sent as the connection takes it (backpressure), with `sending` progress.
    stream = body.open();
    let sent = 0;
    let shownSent = 0;
    stream.on('data', (c: Buffer) => {
      lastActivity = Date.now();
      sent += c.length;
      if (progress && (sent - shownSent > 1 << 20 || sent === body.length)) {
        shownSent = sent;
        progress('sending', sent, body.length);
      }
    });
    stream.on('error', (e) => fail(e));
    stream.pipe(req);
  });
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

/**
 * The fetch answer's pack, written to a file as it arrives: the pkt-lines before it are kept (at most
 * 1 MiB: a NAK, an ERR), the bytes from `PACK` on go to the file, written whole (fsio.writeAll).
 */
class PackSink {
  packBytes = 0;
  private fd: number | undefined;
  private before: Buffer = Buffer.alloc(0);
  constructor(
    private readonly file: string,
    private readonly url: string,
  ) {}

  take(chunk: Buffer): void {
    if (this.fd !== undefined) {
      this.write(chunk);
      return;
    }
    const buf = this.before.length ? Buffer.concat([this.before, chunk]) : chunk;
    let p = 0;
    while (buf.length - p >= 4) {
      if (buf.toString('latin1', p, p + 4) === 'PACK') {
        try {
          this.fd = fs.openSync(this.file, 'wx', 0o444);
        } catch (e) {
          throw ioError(e, 'create', this.file);
        }
        this.before = buf.subarray(0, p);
        this.write(buf.subarray(p));
        return;
      }
      const hex = buf.toString('latin1', p, p + 4);
      if (!/^[0-9a-f]{4}$/i.test(hex)) break; // not the protocol: the reader of head() says so
      const len = parseInt(hex, 16);
      if (len >= 4 && p + len > buf.length) break;
      p += Math.max(4, len);
    }
    if (buf.length > 1 << 20) throw protocolError(this.url, 'the fetch answer holds no pack in its first MiB');
    this.before = Buffer.from(buf);
  }

  private write(chunk: Buffer): void {
    writeAll(this.fd!, [chunk], this.file);
    this.packBytes += chunk.length;
  }

  /** What came before the pack (all of the answer when no pack came). */
  head(): Buffer {
    return this.before;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, isAgentlogError } from '../errors.js';
import { HttpRemote, redact, remoteError, ZERO_OID, type Progress } from './http.js';
import { buildPackFile, type ReadObject } from '../git/pack/buildPack.js';
import { ioError, removeQuietly } from '../git/fsio.js';
import { indexPackFile } from '../git/pack/indexPack.js';
import type { ReceivedPack } from '../git/pack/receivedPack.js';
import { type HttpTimings, syncLimits } from './limits.js';
import { ALLOW_REF } from '../secrets/allowRef.js';

/**
 * One ref update to push: `old` undefined means the ref must not exist on the remote yet. `name` is a
 * timeline's (the ref refs/heads/NAME) unless `ref` gives the full ref name (the allow list's).
 */
export interface PushUpdate {
  name: string;
  old: string | undefined;
  next: string;
  ref?: string;
}

/** The full ref name an update moves. */
export function refOf(u: PushUpdate): string {
  return u.ref ?? `refs/heads/${u.name}`;
}

/** What the store holds, for a fetch to skip. */
export interface LocalObjects {
  /** The store's objects folder. */
  objectsDir: string;
  has(oid: string): boolean;
  /**
   * Commits the store holds to negotiate with (tips and some of their ancestors): for the remote
   * timelines `names` when given (the ones a fetch wants), else for every timeline.
   */
  haves(names?: string[]): string[];
  /**
   * Given, the pack a fetch received is handed over after indexing, open for reading by what indexing
   * learnt of it (pack/receivedPack.ts: the check of what came reads through it); the caller closes it.
   */
  received?(pack: ReceivedPack): void;
}

export interface PushStats {
  objects: number;
  bytes: number;
}

/**
 * How objects and refs travel to and from one remote URL. Two implementations: smart HTTP in-process
 * (http and https URLs) and the git CLI (file paths, file://, ssh://, user@host:path).
 */
export interface Transport {
  readonly kind: 'http' | 'git';
  /** The URL, fit to print (no credentials). */
  readonly url: string;
  /**
   * The remote's timelines (refs/heads/*): name → commit, as offered for fetching, or for pushing
   * (over http that asks the push service, which servers guard with credentials).
   */
  heads(purpose?: 'fetch' | 'push'): Promise<Map<string, string>>;
  /** How many refs the remote advertised to the last fetch (http only). */
  readonly advertised?: number;
  /**
   * The remote's allow list commit (refs/agentlog/allow) as the last heads() or fetch() found it;
   * undefined when it has none. A fetch brings its objects with the timelines'.
   */
  readonly allow?: string;
  /**
   * Download every remote timeline's objects not held locally into the quarantine folder
   * `quarantine/objects/pack/` (nothing is written to the store). Returns the heads fetched.
   */
  fetch(local: LocalObjects, quarantine: string, progress?: Progress): Promise<Map<string, string>>;
  /** Push ref updates in one pack; returns per timeline undefined (accepted) or the reason refused. */
  push(
    gitDir: string,
    read: ReadObject,
    updates: PushUpdate[],
    haves: string[],
    progress?: Progress,
  ): Promise<{ results: Map<string, string | undefined>; stats: PushStats }>;
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

export function transportFor(url: string, env: NodeJS.ProcessEnv = process.env, timings?: Partial<HttpTimings>): Transport {
  if (isHttpUrl(url)) return new HttpTransport(url, env, timings);
  if (!gitAvailable(env)) {
    throw remoteError(`${url} is not an http(s) URL, and remotes of that kind need the git CLI, which is not installed here; use an http(s) remote`, { url });
  }
  return new GitCliTransport(url, env);
}

class HttpTransport implements Transport {
  readonly kind = 'http';
  private readonly remote: HttpRemote;
  constructor(
    url: string,
    private readonly env: NodeJS.ProcessEnv,
    timings?: Partial<HttpTimings>,
  ) {
    this.remote = new HttpRemote(url, env, timings);
  }

  get url(): string {
    return this.remote.url;
  }

  /** Whether the push service takes thin packs (deltas against objects it holds); git's does unless it says `no-thin`. */
  private thin = false;

  async heads(purpose: 'fetch' | 'push' = 'push'): Promise<Map<string, string>> {
    const adv = await this.remote.discover(purpose === 'push' ? 'git-receive-pack' : 'git-upload-pack', ['refs/heads/', ALLOW_REF]);
    if (purpose === 'push') this.thin = !adv.caps.has('no-thin');
    this.allow = adv.refs.get(ALLOW_REF);
    return headsOf(adv.refs);
  }

  advertised?: number;
  allow?: string;

  async fetch(local: LocalObjects, quarantine: string, progress?: Progress): Promise<Map<string, string>> {
    const adv = await this.remote.discover('git-upload-pack', ['refs/heads/', ALLOW_REF]);
    this.advertised = adv.advertised;
    this.allow = adv.refs.get(ALLOW_REF);
    const heads = headsOf(adv.refs);
    const wanted = [...heads].filter(([, oid]) => !local.has(oid));
    const wants = [...new Set([...wanted.map(([, oid]) => oid), ...(this.allow && !local.has(this.allow) ? [this.allow] : [])])];
    if (wants.length) {
      // Streamed to a file in the quarantine as it arrives, indexed from there (issue 17, point 13).
      const dir = path.join(quarantine, 'objects', 'pack');
      const incoming = path.join(dir, `tmp_pack_${process.pid}_incoming`);
      // The haves of the wanted timelines only (issue 20: a have per local tip made a pull of one
      // changed timeline in a store of 2,000 send 136 KB).
      await this.remote.fetchPack(wants, local.haves(wanted.map(([name]) => name)), incoming, progress);
      progress?.('indexing', 0);
      try {
        const { reader } = indexPackFile(incoming, dir, { object: syncLimits(this.env).object, keep: !!local.received });
        if (reader) local.received!(reader);
      } catch (e) {
        // A pack that does not index is the remote's doing: say which remote sent it.
        // (This store's disk failing, E_IO, is not: it goes on as it is.)
        if (!isAgentlogError(e) || e.code === 'E_IO') throw e;
        throw new AgentlogError('E_PROTOCOL', `${this.url}: ${e.message}; nothing was changed here`, { ...e.data, url: this.url });
      }
    }
    return heads;
  }

  async push(gitDir: string, read: ReadObject, updates: PushUpdate[], haves: string[], progress?: Progress) {
    // The pack goes to a file in the store's tmp folder, then streams from it (issue 20); the file
    // is removed after, or by the next fetch's sweep when this process was killed.
    const tmp = path.join(gitDir, 'agentlog', 'tmp');
    try {
      fs.mkdirSync(tmp, { recursive: true });
    } catch (e) {
      throw ioError(e, 'create', tmp);
    }
    const file = path.join(tmp, `push-${process.pid}-${Date.now()}.pack`);
    try {
      const built = await buildPackFile(
        read,
        updates.map((u) => u.next),
        haves,
        file,
        progress && ((done, total) => progress('packing', done, total)),
        this.thin,
      );
      const answer = await this.remote.pushPack(
        updates.map((u) => ({ ref: refOf(u), old: u.old ?? ZERO_OID, next: u.next })),
        built,
        progress,
      );
      const results = new Map<string, string | undefined>();
      for (const u of updates) results.set(u.name, answer.get(refOf(u)));
      return { results, stats: { objects: built.objects, bytes: built.bytes } };
    } finally {
      removeQuietly(file);
    }
  }
}

function headsOf(refs: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ref, oid] of refs) if (ref.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), oid);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The git CLI

let gitFound: boolean | undefined;
function gitAvailable(env: NodeJS.ProcessEnv): boolean {
  gitFound ??= spawnSync('git', ['--version'], { env, stdio: 'ignore' }).status === 0;
  return gitFound;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run git. With `progress`, git's own progress lines on stderr ("Receiving objects:  40% (4/10)",
 * "Writing objects: …"; give git --progress) are passed on as `phase` with their object counts.
 */
function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string, progress?: { phase: string; report: Progress }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let shown = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      if (!progress) return;
      let last: RegExpExecArray | undefined;
      for (const m of c.toString('latin1').matchAll(/(?:Receiving|Writing) objects:\s+\d+% \((\d+)\/(\d+)\)/g)) last = m;
      if (last && last[0] !== shown) {
        shown = last[0]; // git repeats the last figures with ", done."
        progress.report(progress.phase, Number(last[1]), Number(last[2]));
      }
    });
    child.on('error', (e) => reject(remoteError(`cannot run git (${(e as NodeJS.ErrnoException).code ?? e.message})`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** git's own words for why it failed: its `fatal:`/`error:` lines, else the last line that is not progress. */
function gitReason(r: Run): string {
  const lines = r.stderr
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(remote: )?(Enumerating|Counting|Compressing|Receiving|Resolving|Writing|Total|Delta compression|Unpacking)\b/.test(l));
  const fatal = lines.filter((l) => /^(fatal|error|ERROR):/.test(l));
  return (fatal.length ? fatal : lines.slice(-1)).join('; ') || `git exited with ${r.code}`;
}

/**
 * The reason in parentheses that ends git push's porcelain summary of a refused ref
 * (`[remote rejected] (REASON)`, text the server chose), as /\(([^)]*)\)\s*$/ would find it, in
 * linear time: that pattern retries from every "(" and takes quadratic time on a long reason
 * (issue 17, point 6). Undefined when the summary does not end with one.
 */
export function rejectionReason(summary: string): string | undefined {
  const t = summary.trimEnd();
  if (!t.endsWith(')')) return undefined;
  const inner = t.slice(0, -1);
  const open = inner.indexOf('(', inner.lastIndexOf(')') + 1);
  return open < 0 ? undefined : inner.slice(open + 1);
}

class GitCliTransport implements Transport {
  readonly kind = 'git';
  readonly url: string;
  constructor(
    private readonly rawUrl: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.url = redact(rawUrl);
  }

  allow?: string;

  async heads(): Promise<Map<string, string>> {
    const r = await run(['ls-remote', this.rawUrl, 'refs/heads/*', ALLOW_REF], this.env);
    if (r.code !== 0) throw remoteError(`cannot read the remote ${this.url}: ${gitReason(r)}`, { url: this.url });
    const out = new Map<string, string>();
    this.allow = undefined;
    for (const line of r.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      const oid = line.slice(0, tab);
      const ref = line.slice(tab + 1);
      if (tab !== 40 || !/^[0-9a-f]{40}$/.test(oid)) continue;
      if (ref.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), oid);
      else if (ref === ALLOW_REF) this.allow = oid;
    }
    return out;
  }

  /**
   * `git fetch` into a throwaway bare repository whose object database borrows the store's
   * (objects/info/alternates), so only missing objects travel, and they land in its own pack.
   */
  async fetch(local: LocalObjects, quarantine: string, progress?: Progress): Promise<Map<string, string>> {
    const init = await run(['init', '--bare', '--quiet', quarantine], this.env);
    if (init.code !== 0) throw remoteError(`cannot prepare a fetch: ${gitReason(init)}`);
    fs.writeFileSync(path.join(quarantine, 'objects', 'info', 'alternates'), `${path.resolve(local.objectsDir)}\n`);
    // What we hold, as refs, so git negotiates and sends only what is missing.
    fs.writeFileSync(
      path.join(quarantine, 'packed-refs'),
      local
        .haves()
        .map((oid, i) => `${oid} refs/have/${i}\n`)
        .join(''),
    );
    const r = await run(
      [
        '-c',
        'fetch.unpackLimit=1',
        '-c',
        'transfer.unpackLimit=1',
        '-C',
        quarantine,
        'fetch',
        progress ? '--progress' : '--quiet',
        '--no-tags',
        this.rawUrl,
        '+refs/heads/*:refs/fetched/*',
        // The allow list, when there is one (a glob: a ref named outright that is missing fails the fetch).
        `+${ALLOW_REF}*:refs/fetched-allow/allow*`,
      ],
      this.env,
      undefined,
      progress && { phase: 'fetching', report: progress },
    );
    if (r.code !== 0) throw remoteError(`cannot fetch from ${this.url}: ${gitReason(r)}`, { url: this.url });
    const list = await run(['-C', quarantine, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/fetched/', 'refs/fetched-allow/'], this.env);
    const out = new Map<string, string>();
    this.allow = undefined;
    for (const line of list.stdout.split('\n')) {
      const [oid, ref] = line.split(' ');
      if (!oid || !ref) continue;
      if (ref.startsWith('refs/fetched/')) out.set(ref.slice('refs/fetched/'.length), oid);
      else if (ref === 'refs/fetched-allow/allow') this.allow = oid;
    }
    return out;
  }

  async push(gitDir: string, _read: ReadObject, updates: PushUpdate[], _haves: string[], progress?: Progress) {
    const args = ['--git-dir', gitDir, 'push', '--porcelain', ...(progress ? ['--progress'] : []), this.rawUrl];
    for (const u of updates) args.push(`--force-with-lease=${refOf(u)}:${u.old ?? ''}`);
    for (const u of updates) args.push(`${u.next}:${refOf(u)}`);
    const byRef = new Map(updates.map((u) => [refOf(u), u.name]));
    const r = await run(args, this.env, undefined, progress && { phase: 'pushing', report: progress });
    const results = new Map<string, string | undefined>();
    for (const line of r.stdout.split('\n')) {
      const parts = line.split('\t');
      if (parts.length < 3) continue;
      const name = byRef.get(parts[1].slice(parts[1].lastIndexOf(':') + 1));
      if (name === undefined) continue;
      results.set(name, parts[0] === '!' ? (rejectionReason(parts[2]) ?? parts[2]) : undefined);
    }
    if (r.code !== 0 && results.size === 0) throw remoteError(`cannot push to ${this.url}: ${gitReason(r)}`, { url: this.url });
    for (const u of updates) if (!results.has(u.name)) results.set(u.name, 'no status reported by git');
    return { results, stats: { objects: 0, bytes: 0 } };
  }
}

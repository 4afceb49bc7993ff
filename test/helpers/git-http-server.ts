import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface GitHttpServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The folder holding the bare repositories it serves. */
  root: string;
  /** Make an empty bare repository `name` (e.g. 'sessions.git'); returns its URL. */
  bare(name: string): string;
  /**
   * Every request served, in order: method, path (with query), the Git-Protocol header if any, and
   * for a POST to git-upload-pack (a fetch, or v2's ls-refs) its body.
   */
  requests: Array<{ method: string; path: string; protocol?: string; body?: Buffer }>;
  close(): Promise<void>;
}

const EXEC_PATH = execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim();

/**
 * A real git smart-HTTP server: `git http-backend` (the CGI program shipped with git) behind a small
 * Node http server on 127.0.0.1 and a random port, serving the bare repositories under `root`, push
 * enabled. With `auth`, every request (with `pushOnly`, every push) needs HTTP basic auth with that
 * user and password.
 */
export async function startGitHttpServer(
  root: string,
  opts: {
    auth?: { username: string; password: string };
    /** auth for pushes only, like a public repository */
    pushOnly?: boolean;
    /**
     * For each POST (a push or a fetch): how long the server stays silent after http-backend has done
     * its work and before it answers, as a server indexing a large pushed pack or counting objects for
     * a clone does (issue 20). Read at each request, so a test may change it between requests.
     */
    delayMs?: () => number;
    /**
     * For a POST this names a moment for: drop the connection unanswered, `after` http-backend ran (a
     * push is applied) or `before` (nothing is).
     */
    dropAnswer?: (path: string) => 'after' | 'before' | undefined;
    /** false: the Git-Protocol header is not passed on to http-backend, which then speaks v0 only (an older server). */
    protocolV2?: boolean;
  } = {},
): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const protocol = req.headers['git-protocol'];
    const logged: GitHttpServer['requests'][number] = { method: req.method ?? '', path: req.url ?? '', ...(typeof protocol === 'string' ? { protocol } : {}) };
    requests.push(logged);
    const pushing = (req.url ?? '').includes('git-receive-pack');
    if (opts.auth && (pushing || !opts.pushOnly)) {
      const want = `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
        res.end('authentication required\n');
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const input = Buffer.concat(body);
      if (req.method === 'POST' && url.pathname.endsWith('/git-upload-pack')) logged.body = input;
      if (req.method === 'POST' && opts.dropAnswer?.(req.url ?? '') === 'before') {
        req.socket.destroy();
        return;
      }
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
        // Pushes over HTTP: git http-backend refuses receive-pack for anonymous users unless enabled.
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.receivepack',
        GIT_CONFIG_VALUE_0: 'true',
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(input.length),
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: opts.auth?.username ?? '',
        GIT_PROTOCOL: opts.protocolV2 === false ? '' : String(req.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      };
      const cgi = spawn(path.join(EXEC_PATH, 'git-http-backend'), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      cgi.stdout.on('data', (c: Buffer) => out.push(c));
      cgi.stderr.on('data', () => {});
      cgi.stdin.on('error', () => {});
      cgi.stdin.end(input);
      cgi.on('close', async () => {
        if (req.method === 'POST') {
          const delay = opts.delayMs?.() ?? 0;
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          if (opts.dropAnswer?.(req.url ?? '') === 'after') {
            req.socket.destroy();
            return;
          }
        }
        const all = Buffer.concat(out);
        let split = all.indexOf('\r\n\r\n');
        let sep = 4;
        if (split < 0) {
          split = all.indexOf('\n\n');
          sep = 2;
        }
        if (split < 0) {
          res.writeHead(500);
          res.end();
          return;
        }
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of all.toString('latin1', 0, split).split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const k = line.slice(0, colon).trim();
          const v = line.slice(colon + 1).trim();
          if (k.toLowerCase() === 'status') status = parseInt(v, 10);
          else headers[k] = v;
        }
        res.writeHead(status, headers);
        res.end(all.subarray(split + sep));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    root,
    requests,
    bare(name: string) {
      bareRepo(path.join(root, name));
      return `${base}/${name}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A bare repository folder made by the git CLI (for file-path remotes). */
export function bareRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '--bare', '--quiet', dir], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }, stdio: 'ignore' });
  return dir;
}

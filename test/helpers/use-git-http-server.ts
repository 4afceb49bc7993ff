import { afterAll, beforeAll } from 'vitest';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';
import { tmpdir } from './tmp.js';

/**
 * A real git smart-HTTP server (startGitHttpServer) for the suite or describe block it is called in:
 * started in beforeAll on a fresh temporary root, closed in afterAll. The object it returns forwards
 * to that server, so it can be taken at the top of a file and used inside the tests. Kept apart from
 * git-http-server.ts, which the benches load without vitest.
 */
export function useGitHttpServer(opts: Parameters<typeof startGitHttpServer>[1] = {}): GitHttpServer {
  let server: GitHttpServer | undefined;
  beforeAll(async () => {
    server = await startGitHttpServer(tmpdir('agentlog-git-http-'), opts);
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = (): GitHttpServer => {
    if (!server) throw new Error('the git HTTP server is started in beforeAll: use it inside a test');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get root() {
      return started().root;
    },
    get requests() {
      return started().requests;
    },
    bare: (name) => started().bare(name),
    close: () => started().close(),
  };
}

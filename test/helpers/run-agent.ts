import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import { cliOk } from './cli.js';
import { type Answer, type ModelServer, startModelServer } from './model-server.js';
import { tmpdir } from './tmp.js';

/** What `agentlog run` needs in its environment in the tests: a dummy key, retries without waiting. */
export const RUN_ENV = { AGENTLOG_API_KEY: 'test-key', AGENTLOG_RETRY_MS: '1' };

/**
 * A scripted model server per call, each closed after the test that started it (call at a test
 * file's top level: it registers the afterEach).
 */
export function modelServers(): (turns?: Answer[], opts?: Parameters<typeof startModelServer>[0]) => Promise<ModelServer> {
  const servers: ModelServer[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });
  return async (turns = [], opts = {}) => {
    const s = await startModelServer({ turns, ...opts });
    servers.push(s);
    return s;
  };
}

/** A store with a fresh session (`agentlog new`) and an empty workspace folder. */
export async function freshAgent(): Promise<{ dir: string; ws: string; name: string }> {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  const name = (await cliOk(dir, ['new', '--title', 'agent'])).out.trim().split('\n').pop()!;
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  return { dir, ws, name };
}

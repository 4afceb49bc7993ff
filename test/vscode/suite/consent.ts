/**
 * Source Control's question in a real VS Code (extension/src/scmIgnore.ts), in windows of their own
 * (test/vscode/workspace.ts makeConsentWorkspaces): a project that is a git repository holding its
 * store in `sessions/` (agentlog.storePath), which Source Control would list beside the project with
 * "Publish Branch". Built twice (runTest.ts): AGENTLOG_CONSENT_LOAD is `first` (the question is asked
 * and answered in the real notification) or `again` (the same folder loaded again: nothing is
 * asked). The folder's name says the answer: `consent-hide` or `consent-not-now`. Only under the
 * harness (code-shim): the notification is clicked in the workbench's page.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { ui } from './ui.js';
import { until } from './until.js';

interface Api {
  scmOffers(): { checks: number; asked: { entries: string[]; answer?: string; answered: boolean }[] };
}
interface GitApi {
  state: 'uninitialized' | 'initialized';
  repositories: { rootUri: vscode.Uri }[];
}

const load = process.env.AGENTLOG_CONSENT_LOAD;
const HIDE = 'Hide from Source Control';

function tests(): void {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const store = path.join(folder, 'sessions');
  const hide = path.basename(folder) === 'consent-hide';
  const answer = hide ? HIDE : 'Not now';
  const settings = () => JSON.parse(fs.readFileSync(path.join(folder, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
  let api: Api;
  let git: GitApi | undefined;
  /** The repositories VS Code's git extension has open (what the Source Control view lists), once it has looked. */
  const repositories = async () => {
    if (!git) return undefined;
    // Initialized: its first scan of the workspace is done (the store, when not ignored, opened with it).
    await until('git to scan the workspace', () => git!.state === 'initialized', 60_000);
    const listed = (p: string) => git!.repositories.some((r) => r.rootUri.fsPath === p);
    await until('the project (and the store, when not hidden) in Source Control', () => listed(folder) && (hide || listed(store)), 60_000);
    return git.repositories.map((r) => r.rootUri.fsPath);
  };

  /**
   * The Source Control view as drawn: with two repositories it has a row for each (`sessions
   * agentlog@store` with "Publish Branch" under it); with the project alone, the project's changes.
   */
  const sourceControlView = async () => {
    await vscode.commands.executeCommand('workbench.view.scm');
    const texts = async (selector: string) => ((await ui({ op: 'texts', selector }))!.texts as string[]).map((t) => t.trim());
    let rows: string[] = [];
    await until(
      'the Source Control view',
      async () => {
        rows = await texts('.scm-view .monaco-list-row');
        return rows.includes('README.md') && (hide || rows.some((r) => r.startsWith('sessions ')));
      },
      60_000,
    );
    const providers = await texts('.scm-view .scm-provider');
    const listed = providers.some((p) => p.startsWith('sessions ')) || rows.includes('Publish Branch');
    assert.equal(listed, !hide, `the view ${hide ? 'does not list' : 'lists'} the store: ${JSON.stringify(rows)}`);
  };

  describe(`Source Control's question in ${path.basename(folder)}, ${load} load`, () => {
    before(async () => {
      api = (await vscode.extensions.getExtension('agentlog.agentlog-vscode')!.activate()) as Api;
      const ext = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
      git = ext ? (await ext.activate()).getAPI(1) : undefined;
    });

    if (load === 'first')
      it(`asks about the store "sessions" in a notification; "${answer}" clicked there ${hide ? 'hides it (settings.json, Source Control)' : 'writes nothing'}`, async function () {
        this.timeout(180_000);
        const q = await until('the question', () => api.scmOffers().asked[0], 30_000);
        assert.deepEqual(q.entries, ['sessions']);
        // The test driver keeps notifications out of toasts: the same notification, in the notifications center.
        await vscode.commands.executeCommand('notifications.showList');
        const item = '.notifications-center .notification-list-item:has-text("Source Control lists the agentlog store \\"sessions\\"")';
        await ui({ op: 'click', selector: `${item} .monaco-button:has-text("${answer}")` });
        const done = await until('the answer', () => api.scmOffers().asked.find((a) => a.answered), 15_000);
        assert.equal(done.answer, answer);
        assert.equal(api.scmOffers().asked.length, 1, 'asked once');
        if (hide) {
          const s = await until('git.ignoredRepositories in settings.json', () => {
            try {
              const v = settings();
              return v['git.ignoredRepositories'] ? v : undefined;
            } catch {
              return undefined; // VS Code is writing it (seen empty once)
            }
          });
          assert.deepEqual(s, { 'agentlog.storePath': 'sessions', 'git.ignoredRepositories': ['.agentlog', 'sessions'] });
          if (git) await until('the store closed in Source Control', () => !git!.repositories.some((r) => r.rootUri.fsPath === store), 30_000);
        } else assert.deepEqual(settings(), { 'agentlog.storePath': 'sessions' }, 'nothing written');
        const repos = await repositories();
        if (repos) {
          assert.ok(repos.includes(folder), JSON.stringify(repos));
          assert.equal(repos.includes(store), !hide, JSON.stringify(repos));
        }
        await sourceControlView();
        await ui({ op: 'screenshot', name: `consent-${path.basename(folder)}` });
      });

    if (load === 'again')
      it(`asks nothing: the answer "${answer}" is remembered`, async () => {
        await until('the look at the stores', () => api.scmOffers().checks > 0, 30_000);
        assert.deepEqual(api.scmOffers().asked, []);
        const repos = await repositories();
        if (repos) assert.equal(repos.includes(store), !hide, `Source Control ${hide ? 'does not list' : 'lists'} the store: ${JSON.stringify(repos)}`);
        await sourceControlView();
        await vscode.commands.executeCommand('notifications.showList');
        const items = (await ui({ op: 'texts', selector: '.notifications-center .notification-list-item' }))!.texts as string[];
        assert.ok(!items.some((t) => t.includes('agentlog store')), JSON.stringify(items));
      });
  });
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'consent', mocha);
  tests();
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve())));
}

/** Loaded by VS Code's extension host in test mode (extensionTestsPath): runs the mocha suite. */
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', grep: process.env.AGENTLOG_TEST_GREP || undefined });
  mocha.suite.emit('pre-require', globalThis, 'agentlog.suite', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./agentlog.suite');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./workspace.suite');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./secrets.suite');
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve())));
}

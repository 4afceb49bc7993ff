/**
 * The session panel's page in headless Debian chromium (playwright-core), outside VS Code: the real
 * bundle and stylesheet, the real CSP and nonce, served from 127.0.0.1; `acquireVsCodeApi` is the
 * only stand-in (it records what the page posts).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../extension/shared/html.js';
import type { HostMessage, WebviewMessage } from '../../extension/shared/protocol.js';
import { tmpdir } from './tmp.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function panelPage() {
  const out = tmpdir('agentlog-webview-');
  const root = path.resolve(__dirname, '../../extension');
  await esbuild.build({
    entryPoints: [path.join(root, 'webview/main.ts')],
    outfile: path.join(out, 'main.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    logLevel: 'error',
  });
  fs.copyFileSync(path.join(root, 'media/panel.css'), path.join(out, 'panel.css'));
  const server = http.createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        panelHtml({
          nonce: randomBytes(18).toString('base64'),
          cspSource: origin,
          scriptUri: `${origin}/main.js`,
          styleUri: `${origin}/panel.css`,
          title: 'test',
        }),
      );
      return;
    }
    const file = path.join(out, path.basename(req.url ?? ''));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  const violations: string[] = [];

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __sent: unknown[]; __state: unknown; acquireVsCodeApi: unknown };
      w.__sent = [];
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__sent.push(m), setState: (s: unknown) => (w.__state = s), getState: () => w.__state });
    });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'ready'));
    return page;
  }

  return {
    open,
    violations,
    /** Deliver a host message and wait for the page to report it rendered. */
    async post(page: Page, m: HostMessage) {
      const n = await page.evaluate(() => (window as unknown as { __sent: { type: string }[] }).__sent.filter((x) => x.type === 'rendered').length);
      await page.evaluate((msg) => window.postMessage(msg, '*'), m as never);
      await page.waitForFunction((k) => (window as unknown as { __sent: { type: string }[] }).__sent.filter((x) => x.type === 'rendered').length > k, n);
    },
    sent: (page: Page) => page.evaluate(() => (window as unknown as { __sent: WebviewMessage[] }).__sent),
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

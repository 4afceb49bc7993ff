import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptCaptureOffer, captureOffer, findAgentlogCli } from '../../extension/src/captureOffer.js';
import { cliOk } from '../helpers/cli.js';
import { tmpdir } from '../helpers/tmp.js';

describe("the workspace's capture offer", () => {
  it('finds the agentlog the hooks run: agentlog.cliPath, else the first executable agentlog on PATH', () => {
    const dir = tmpdir();
    const bin = path.join(dir, 'bin');
    const notExec = path.join(dir, 'other');
    fs.mkdirSync(bin);
    fs.mkdirSync(notExec);
    fs.writeFileSync(path.join(notExec, 'agentlog'), '#!/bin/sh\n', { mode: 0o644 });
    fs.writeFileSync(path.join(bin, 'agentlog'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findAgentlogCli(undefined, { PATH: [notExec, 'relative', bin].join(path.delimiter) })).toEqual([path.join(bin, 'agentlog')]);
    expect(findAgentlogCli(undefined, { PATH: notExec })).toBeUndefined();
    expect(findAgentlogCli(path.join(bin, 'agentlog'), { PATH: '' })).toEqual([path.join(bin, 'agentlog')]);
    expect(() => findAgentlogCli('agentlog', {})).toThrow(/agentlog\.cliPath is not an absolute path/);
  });

  it('shows the project-level install for the workspace, writes it when accepted, and is a no-op the second time', async () => {
    const folder = tmpdir();
    await cliOk(folder, ['init']);
    const store = path.join(folder, '.agentlog');
    const offer = captureOffer(folder, store, ['/usr/local/bin/agentlog'], { HOME: tmpdir() });
    expect(offer.setup.file).toBe(path.join(folder, '.claude', 'settings.local.json'));
    expect(offer.edit.changes).toContain(`+ hooks.Stop: /usr/local/bin/agentlog capture hook claude --store ${store}`);
    expect(fs.existsSync(offer.setup.file)).toBe(false);
    acceptCaptureOffer(offer);
    const settings = JSON.parse(fs.readFileSync(offer.setup.file, 'utf8'));
    expect(settings.hooks.SessionEnd[0].hooks[0]).toMatchObject({ type: 'command', command: `/usr/local/bin/agentlog capture hook claude --store ${store}` });
    // What the CLI says about it: the same install.
    const status = await cliOk(folder, ['capture', 'status', 'claude'], { env: { HOME: tmpdir() } });
    expect(status.out).toMatch(/^claude\tproject\tinstalled\t.*settings\.local\.json$/m);
    expect(captureOffer(folder, store, ['/usr/local/bin/agentlog'], { HOME: tmpdir() }).edit.text).toBeUndefined();
  });
});

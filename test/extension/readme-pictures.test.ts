import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The extension README's pictures, as VS Code's extension details page shows them: the page renders
 * the packaged README with the installed extension's folder as its base, so each picture is a
 * relative link to a PNG inside the package (.vscodeignore's allow list), and vsce must leave the
 * links as they are (`--no-rewrite-relative-links`: without a repository URL it refuses them). The
 * real-VS-Code suite checks the same links against the unpacked .vsix.
 */
const root = path.resolve(import.meta.dirname, '../..');
const ext = path.join(root, 'extension');
const images = (markdown: string) => [...markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);

describe('the extension README shows its pictures', () => {
  const readme = fs.readFileSync(path.join(ext, 'README.md'), 'utf8');
  const allowed = fs
    .readFileSync(path.join(ext, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).trim());

  it('a dark and a light screenshot, each a relative link to a small PNG that the package holds', () => {
    const links = images(readme);
    expect(links.some((l) => l.includes('dark'))).toBe(true);
    expect(links.some((l) => l.includes('light'))).toBe(true);
    for (const link of links) {
      expect(link, 'relative to the extension folder').not.toMatch(/^([a-z]+:|\/|\.\.)/);
      const file = path.join(ext, link);
      const bytes = fs.readFileSync(file);
      expect(bytes.subarray(1, 4).toString('latin1'), `${link} is a PNG`).toBe('PNG');
      expect(bytes.length, `${link} stays small (pngquant it)`).toBeLessThanOrEqual(100 * 1024);
      expect(allowed, `${link} is on .vscodeignore's allow list`).toContain(link);
    }
  });

  it('both package scripts keep the links relative (vsce --no-rewrite-relative-links)', () => {
    for (const pkg of [path.join(root, 'package.json'), path.join(ext, 'package.json')]) {
      const script = JSON.parse(fs.readFileSync(pkg, 'utf8')).scripts.package as string;
      expect(script, pkg).toContain('--no-rewrite-relative-links');
    }
  });

  it("the main README shows the same pictures (one copy of each, in the extension's folder) and each of its pictures is there", () => {
    const links = images(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).filter((l) => !/^[a-z]+:/.test(l));
    expect(images(readme).length).toBeGreaterThan(0);
    for (const link of images(readme)) expect(links).toContain(`extension/${link}`);
    for (const link of links) expect(fs.existsSync(path.join(root, link)), link).toBe(true);
  });
});

import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { parseConfig } from '../git/config.js';
import { refNameProblem } from '../git/refName.js';
import { editConfig, readConfigText } from '../git/repo.js';
import { isHttpUrl } from './transport.js';

export interface Remote {
  name: string;
  url: string;
}

/**
 * Remotes live in the store's git config in git's own format, so `git remote -v` and `git push
 * origin` see the same ones:
 *
 *     [remote "origin"]
 *         url = https://host/owner/sessions.git
 *         fetch = +refs/heads/*:refs/remotes/origin/*
 */
export function listRemotes(gitDir: string): Remote[] {
  const out: Remote[] = [];
  for (const e of parseConfig(readConfigText(gitDir))) {
    if (e.section !== 'remote' || e.subsection === undefined) continue;
    let remote = out.find((r) => r.name === e.subsection);
    if (!remote) {
      remote = { name: e.subsection, url: '' };
      out.push(remote);
    }
    if (e.key === 'url' && e.value !== undefined) remote.url = e.value;
  }
  return out.filter((r) => r.url);
}

export function getRemote(gitDir: string, name: string): Remote {
  const found = listRemotes(gitDir).find((r) => r.name === name);
  if (!found) {
    const known = listRemotes(gitDir).map((r) => r.name);
    // `agentlog pull https://…`: a URL where a remote's name goes. Name it first, as git does.
    if (/[:/\\]/.test(name) || name.startsWith('.')) {
      const free = known.includes('origin') ? 'NAME' : 'origin';
      throw new AgentlogError('E_INPUT', `"${name}" is a URL or a path, not a remote's name; name it first: agentlog remote add ${free} ${name}`, {
        remote: name,
      });
    }
    throw new AgentlogError(
      'E_INPUT',
      `no remote named ${name}${known.length ? ` (remotes: ${known.join(', ')})` : ''}; add one with: agentlog remote add ${name} URL`,
      { remote: name },
    );
  }
  return found;
}

/**
 * Check a remote's name: git's rules for the refs it names (refs/remotes/NAME/…, refName.ts), and
 * ours on top: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100.
 */
export function checkRemoteName(name: string): void {
  if (refNameProblem(`refs/remotes/${name}/x`) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    throw new AgentlogError('E_INPUT', `"${name}" is not a valid remote name: use letters, digits, ".", "_" and "-", starting with a letter or digit`, {
      remote: name,
    });
  }
}

/**
 * A URL as it will be stored: local paths made absolute (so the remote works from any folder), and
 * no password ever (a token goes in AGENTLOG_TOKEN or a credential helper).
 */
export function normalizeUrl(url: string, cwd: string): string {
  if (!url) throw new AgentlogError('E_INPUT', 'the remote URL is empty');
  if (isHttpUrl(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new AgentlogError('E_INPUT', `"${url}" is not a valid URL`, { url });
    }
    if (u.password) {
      throw new AgentlogError(
        'E_INPUT',
        'the URL holds a password or token; agentlog never stores one: give it in AGENTLOG_TOKEN, or use a git credential helper',
        {},
      );
    }
    return url;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\@]+@[^/\\:]+:/.test(url) || /^[^/\\:]+:(?!\\)/.test(url)) {
    // ssh://, file://, user@host:path, host:path. (No "@" in the user part, no ":" in the host:
    // /^[^/\\]+@[^/\\]+:/ backtracked over every "@" and took quadratic time; issue 17, point 6.) The git CLI gets it as an argument: one starting with
    // "-" would be read as an option (--upload-pack=…).
    if (url.startsWith('-')) throw new AgentlogError('E_INPUT', `"${url}" is not a URL (it starts with "-")`, { url });
    return url;
  }
  return path.resolve(cwd, url);
}

export function addRemote(gitDir: string, name: string, url: string): void {
  checkRemoteName(name);
  if (/[\n"\\]/.test(url)) throw new AgentlogError('E_INPUT', 'the URL holds a newline, a quote or a backslash', {});
  if (listRemotes(gitDir).some((r) => r.name === name)) {
    throw new AgentlogError('E_INPUT', `a remote named ${name} already exists (see: agentlog remote list)`, { remote: name });
  }
  // Quoted when git would otherwise read part of it as a comment (# or ;) or trim its spaces.
  const value = /[#;]|^\s|\s$/.test(url) ? `"${url}"` : url;
  editConfig(
    gitDir,
    (text) => `${text}${text && !text.endsWith('\n') ? '\n' : ''}[remote "${name}"]\n\turl = ${value}\n\tfetch = +refs/heads/*:refs/remotes/${name}/*\n`,
  );
}

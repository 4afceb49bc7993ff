/**
 * git's rules for a ref name, written once (git check-ref-format, with --allow-onelevel: a name
 * without a slash is fine here; callers add their own rules on top):
 *
 * 1. not empty;
 * 2. no byte below 0x21 (controls, space), no DEL, none of ~ ^ : ? * [ \;
 * 3. no "..", no "@{", and not "@" alone;
 * 4. no empty path component: no leading or trailing "/", no "//";
 * 5. not ending with ".";
 * 6. no path component starting with "." or ending with ".lock".
 *
 * refs.ts (timeline names) and sync/remotes.ts (remote names) add their stricter rules to these;
 * sync checks the branch names a remote advertises with badRefName.
 */

/** The characters rule 2 forbids. */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_IN_REF = /[\x00-\x20\x7f~^:?*[\\]/;

/** Why `name` is not a valid ref name under git's rules (above), in words; undefined when it is one. */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (FORBIDDEN_IN_REF.test(name)) return 'it holds a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it holds ".."';
  if (name.includes('@{')) return 'it holds "@{"';
  if (name === '@') return 'it is "@"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a path component starts with "."';
    if (part.endsWith('.lock')) return 'a path component ends with ".lock"';
  }
  return undefined;
}

/**
 * Whether git would refuse `name` as a ref name (git check-ref-format --allow-onelevel): a remote is
 * not trusted to follow the rules, and the name becomes a path under .git/refs/.
 */
export function badRefName(name: string): boolean {
  return refNameProblem(name) !== undefined;
}

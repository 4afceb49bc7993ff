import { ALLOW_REF, parseAllowList, readAllowList, writeAllowList } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const allow = defineCommand({
  name: 'allow',
  summary: 'keep findings that are not secrets out of scan, push and export (the allow list)',
  usage: 'agentlog allow [finding:FINGERPRINT|rule:NAME…] [--remove] [--json]',
  help: `Adds entries to the store's allow list (or removes them, --remove); with none, prints the list.

  finding:FINGERPRINT   one finding, by the fingerprint agentlog scan prints, wherever it occurs
                        (a bare 16-hex-digit fingerprint works too)
  rule:NAME             every finding of a rule (github, aws, basicauth, privatekey, …)

The list lives in the store, as the file .agentlogignore of a commit on ${ALLOW_REF} (each change a
commit: git log -p ${ALLOW_REF} says what was allowed when), not in a folder of this machine.

  --remove   take the entries out of the list
  --json     {rules: [...], findings: [...]}`,
  options: { remove: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx, values, entries) {
    const store = ctx.store();
    const { list, commit } = readAllowList(store);
    if (entries.length) {
      const given = parseAllowList(entries.join('\n'), 'the entries given');
      const rules = new Set(list.rules);
      const fingerprints = new Set(list.fingerprints);
      for (const r of given.rules) values.remove ? rules.delete(r) : rules.add(r);
      for (const f of given.fingerprints) values.remove ? fingerprints.delete(f) : fingerprints.add(f);
      const next = parseAllowList([...[...rules].map((r) => `rule:${r}`), ...[...fingerprints].map((f) => `finding:${f}`)].join('\n'));
      if (next.digest === list.digest) {
        ctx.stderr.write('the allow list already says so; nothing changed\n');
      } else {
        const message = `${values.remove ? 'disallow' : 'allow'} ${entries.join(' ')}`.slice(0, 200);
        await writeAllowList(store, next, commit, ctx.now(), message);
        ctx.stderr.write(`${values.remove ? 'removed from' : 'added to'} the allow list: ${entries.join(' ')}\n`);
      }
      if (!values.json) return 0;
    }
    const now = entries.length ? readAllowList(store).list : list;
    if (values.json) {
      ctx.stdout.write(`${toJson({ rules: [...now.rules].sort(), findings: [...now.fingerprints].sort() })}\n`);
      return 0;
    }
    if (!now.rules.size && !now.fingerprints.size) {
      ctx.stderr.write('the allow list is empty (agentlog allow finding:FINGERPRINT adds to it)\n');
      return 0;
    }
    for (const r of [...now.rules].sort()) ctx.stdout.write(`rule:${r}\n`);
    for (const f of [...now.fingerprints].sort()) ctx.stdout.write(`finding:${f}\n`);
    return 0;
  },
});

import type { Command } from './command.js';

/**
 * Shell completion scripts (bash, zsh, fish) made from the command table, so they never fall out of
 * step with it: commands, each command's options and the global ones, fixed words (claude|codex),
 * and timeline and remote names, which the script asks of `agentlog completion timelines|remotes`
 * (the refs and the git config only: no event is read), passing on any --store or -C typed so far.
 */

/** What a positional argument completes to. */
export type Kind = { words: string[] } | 'timelines' | 'remotes' | 'files' | 'none';

/** The usage lines cannot say these: a subcommand's other forms, names that are new. */
const OVERRIDES: Record<string, Kind[]> = { remote: [{ words: ['add', 'list'] }, 'none', 'none'] };

/** The positionals of a usage line, in order, each as a Kind; the last repeats when it ends with "…". */
export function positionals(c: Command): { kinds: Kind[]; repeats: boolean } {
  if (OVERRIDES[c.name]) return { kinds: OVERRIDES[c.name], repeats: false };
  const tokens = c.usage.split(' | ')[0].split(/\s+/).slice(2);
  const kinds: Kind[] = [];
  let repeats = false;
  let depth = 0; // inside ( … ): a group of options
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (depth > 0 || t.startsWith('(')) {
      depth += (t.match(/\(/g) ?? []).length - (t.match(/\)/g) ?? []).length;
      continue;
    }
    if (t.startsWith('-') || t.startsWith('[-')) {
      // an option; its value is the next token unless the option closes here
      if (!t.endsWith(']') && tokens[i + 1] && !tokens[i + 1].startsWith('-') && !tokens[i + 1].startsWith('[')) i++;
      continue;
    }
    const bare = t.replace(/[[\]]/g, '');
    repeats = bare.endsWith('…');
    const word = bare.replace(/…$/, '');
    if (/^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(word)) kinds.push({ words: word.split('|') });
    else if (word === 'REMOTE') kinds.push('remotes');
    else if (/^(REV\d?|NAME|OLD|CID\|REV)$/.test(word)) kinds.push('timelines');
    else if (/^(DIR|FILE|PATH)$/.test(word)) kinds.push('files');
    else kinds.push('none');
  }
  return { kinds, repeats };
}

function optionsOf(c: Command): string[] {
  return Object.entries(c.options ?? {}).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]);
}

const GLOBAL = ['--store', '-C', '--json', '--no-color', '--no-pager', '--help', '--version'];

/** A shell `case` body: each command's kind at each position, as `cmd:N) kind;;` lines (bash and zsh). */
function shellCases(commands: Command[], indent: string): string {
  const lines: string[] = [];
  for (const c of commands) {
    const { kinds, repeats } = positionals(c);
    kinds.forEach((k, i) => {
      const pattern = repeats && i === kinds.length - 1 ? `${c.name}:*` : `${c.name}:${i + 1}`;
      lines.push(`${indent}${pattern}) kind=${typeof k === 'string' ? k : `'words ${k.words.join(' ')}'`} ;;`);
    });
  }
  return lines.join('\n');
}

function optionCases(commands: Command[], indent: string): string {
  return commands.map((c) => `${indent}${c.name}) opts='${optionsOf(c).join(' ')}' ;;`).join('\n');
}

export function bashScript(commands: Command[]): string {
  const names = commands.map((c) => c.name).join(' ');
  return `# agentlog completion for bash: source <(agentlog completion bash), or save it in
# ~/.local/share/bash-completion/completions/agentlog
_agentlog() {
  local cur prev cmd i n=0 kind opts words
  local -a pass=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --store|-C) pass+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="\${COMP_WORDS[i]}"; else ((n++)); fi ;;
    esac
  done
  case "$prev" in
    --store|-C) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${GLOBAL.join(' ')}" -- "$cur"))
    else COMPREPLY=($(compgen -W "${names} help" -- "$cur")); fi
    return
  fi
  if [[ $cur == -* ]]; then
    opts=''
    case "$cmd" in
${optionCases(commands, '      ')}
    esac
    COMPREPLY=($(compgen -W "$opts ${GLOBAL.join(' ')}" -- "$cur"))
    return
  fi
  kind=none
  case "$cmd:$((n + 1))" in
${shellCases(commands, '    ')}
    help:1) kind='words ${names}' ;;
  esac
  case "$kind" in
    timelines|remotes) COMPREPLY=($(compgen -W "$(agentlog "\${pass[@]}" completion "$kind" 2>/dev/null)" -- "$cur")) ;;
    words\\ *) COMPREPLY=($(compgen -W "\${kind#words }" -- "$cur")) ;;
    files) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _agentlog agentlog
`;
}

export function zshScript(commands: Command[]): string {
  const described = commands.map((c) => `'${c.name}:${c.summary.replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`).join(' ');
  return `#compdef agentlog
# agentlog completion for zsh: source <(agentlog completion zsh), or save it as _agentlog in a folder of $fpath
_agentlog() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmd='' kind opts i n=0
  local -a pass
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      --store|-C) pass+=(\${words[i]} \${words[i+1]}); ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=\${words[i]}; else ((n++)); fi ;;
    esac
  done
  case $prev in
    --store|-C) _files -/; return ;;
  esac
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then compadd -- ${GLOBAL.join(' ')}
    else local -a cmds; cmds=(${described} 'help:help for a command'); _describe command cmds; fi
    return
  fi
  if [[ $cur == -* ]]; then
    opts=''
    case $cmd in
${optionCases(commands, '      ')}
    esac
    compadd -- \${=opts} ${GLOBAL.join(' ')}
    return
  fi
  kind=none
  case "$cmd:$((n + 1))" in
${shellCases(commands, '    ')}
    help:1) kind='words ${commands.map((c) => c.name).join(' ')}' ;;
  esac
  case $kind in
    timelines|remotes) compadd -- \${(f)"$(agentlog \${pass[@]} completion $kind 2>/dev/null)"} ;;
    words\\ *) compadd -- \${=kind#words } ;;
    files) _files ;;
  esac
}
compdef _agentlog agentlog
`;
}

export function fishScript(commands: Command[]): string {
  const lines = [
    '# agentlog completion for fish: agentlog completion fish | source, or save it in ~/.config/fish/completions/agentlog.fish',
    'function __agentlog_names',
    '  set -l args (commandline -opc)',
    '  set -l pass',
    '  for i in (seq (count $args))',
    '    if contains -- $args[$i] --store -C; and test $i -lt (count $args)',
    '      set pass $pass $args[$i] $args[(math $i + 1)]',
    '    end',
    '  end',
    '  agentlog $pass completion $argv 2>/dev/null',
    'end',
    'complete -c agentlog -f',
    "complete -c agentlog -l store -r -a '(__fish_complete_directories)' -d 'the store to use'",
    "complete -c agentlog -s C -r -a '(__fish_complete_directories)' -d 'run as if started in DIR'",
    "complete -c agentlog -l json -d 'output as JSON'",
    "complete -c agentlog -l no-color -d 'no colours'",
    "complete -c agentlog -l no-pager -d 'no pager'",
    "complete -c agentlog -l version -d 'the version'",
  ];
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  for (const c of [...commands.map((c) => [c.name, c.summary]), ['help', 'help for a command']]) {
    lines.push(`complete -c agentlog -n __fish_use_subcommand -a ${c[0]} -d ${q(c[1])}`);
  }
  for (const c of commands) {
    const seen = `'__fish_seen_subcommand_from ${c.name}'`;
    for (const [long, o] of Object.entries(c.options ?? {})) {
      lines.push(`complete -c agentlog -n ${seen} -l ${long}${o.short ? ` -s ${o.short}` : ''}${o.type === 'string' ? ' -r' : ''}`);
    }
    const first = positionals(c).kinds[0];
    if (!first) continue;
    const args =
      first === 'timelines' || first === 'remotes'
        ? `'(__agentlog_names ${first})'`
        : first === 'files'
          ? "'(__fish_complete_path)'"
          : first === 'none'
            ? undefined
            : q(first.words.join(' '));
    if (args === undefined) continue;
    lines.push(`complete -c agentlog -n ${seen} -a ${args}`);
  }
  return `${lines.join('\n')}\n`;
}

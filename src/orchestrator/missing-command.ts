/**
 * Which command was not found, read from a line a shell or a tool printed on stderr, so
 * that exit 127 can name it (`npm`, `mocha`) rather than the first word of the command
 * line (`sh`). Covers dash, bash, zsh, busybox, env and corral's own wrapper.
 *
 * @example
 * findMissingCommand('sh: 1: npm: not found'); // 'npm'
 */
const patterns = [
  // corral's wrapper: "npm: command not found in the sandbox"
  /^([^\s:]+): command not found in the sandbox$/,
  // dash "sh: 1: npm: not found", bash "bash: line 1: npm: command not found",
  // "bash: npm: command not found", busybox "sh: npm: not found"
  /^\S+:(?: line \d+:| \d+:)? ([^\s:]+): (?:command )?not found$/,
  // zsh "zsh:1: command not found: npm"
  /^\S+:\d+: command not found: (\S+)$/,
  // env "env: 'npm': No such file or directory"
  /^env: ['‘]?([^'’\s]+)['’]?: No such file or directory$/,
];

export function findMissingCommand(line: string): string | null {
  const text = line.trim();
  for (const pattern of patterns) {
    const name = pattern.exec(text)?.[1];
    if (name) return name;
  }
  return null;
}

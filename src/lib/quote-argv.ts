/**
 * Turns an argv into a string a shell reads back as the same words (the local backend: the
 * command string srt hands to `bash -c`; a battle's grading script). srt can quote an argv
 * itself, but it leaves plain words bare, and two bare words change meaning at the start
 * of a `bash -c` string: one starting with `-` is read as bash's own option (`--json`
 * gives "invalid option" instead of "command not found"), and `NAME=value` becomes a
 * variable assignment instead of the command. Every argument single-quoted has neither
 * problem, and inside single quotes every byte is literal (a `'` is written `'\''`).
 */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
}

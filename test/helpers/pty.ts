/**
 * Runs the corral CLI under a pseudo-terminal made by util-linux `script`, as a person at a
 * terminal would: what it prints is the screen, and keys are typed once a text appears.
 */
import { spawn } from 'node:child_process';
import { cliPath } from './cli.js';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs corral under a pty; `keys` are typed once `waitFor` has appeared on the screen. */
export function underPty(
  home: string,
  cwd: string,
  args: string[],
  typing?: { waitFor: string; keys: string },
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, cliPath, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd,
      env: { ...process.env, CORRAL_HOME: home, TERM: 'xterm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end under the pty; screen so far:\n${screen}`));
    }, 60_000);
    child.stdout.on('data', (b: Buffer) => {
      screen += b.toString();
      if (typing && !typed && screen.includes(typing.waitFor)) {
        typed = true;
        child.stdin.write(typing.keys);
      }
    });
    child.stderr.on('data', (b: Buffer) => (screen += b.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

/**
 * Escape sequences a sandboxed command prints must not reach the host terminal: the
 * clipboard (OSC 52), the window title (OSC 0), hyperlinks (OSC 8), DCS/APC/PM strings and
 * CSI sequences that make the terminal answer (device status, window reports). Colours
 * (SGR) stay. Checked in every place corral shows sandbox text: the live output of `run`,
 * `logs`, `logs --raw`, `logs --json`, `attach`, the run summary, `diff` and `ls`. The
 * positive control: output.log, the raw record, holds every sequence as it was printed.
 */
/* eslint-disable no-control-regex -- this test is about control characters */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const sequences: Record<string, string> = {
  'OSC 52': '\\033]52;c;ZXZpbA==\\007',
  'OSC 0': '\\033]0;pwned\\007',
  'OSC 8': '\\033]8;;http://evil.invalid/\\007link\\033]8;;\\007',
  DCS: '\\033P+q544e\\033\\\\',
  APC: '\\033_Gf=100;AAAA\\033\\\\',
  PM: '\\033^private\\033\\\\',
  'CSI 6n': '\\033[6n',
  'CSI 21t': '\\033[21t',
};
const red = '\\033[31mred\\033[0m';
const printAll = `printf '${Object.values(sequences).join('')} ${red} done\\n'`;

/** Every ESC starts a plain SGR, and there is no C1 control. */
function expectTerminalSafe(text: string, where: string): void {
  for (const m of text.matchAll(/\x1b/g)) {
    expect(text.slice(m.index, m.index + 16), where).toMatch(/^\x1b\[[0-9;:]*m/);
  }
  expect(text, where).not.toMatch(/[\u0080-\u009f]/);
}

function expectSafeJson(value: unknown, where: string): void {
  if (typeof value === 'string') expectTerminalSafe(value, where);
  else if (Array.isArray(value)) value.forEach((v) => expectSafeJson(v, where));
  else if (value && typeof value === 'object')
    Object.values(value).forEach((v) => expectSafeJson(v, where));
}

describe.each(['local', 'docker'])('escape sequences from the sandbox (%s)', (backend) => {
  it('reach no terminal: run, logs, logs --raw, logs --json, diff; colours stay', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const script = `${printAll}; ${printAll} >&2; ${printAll.replace("\\n'", "\\n' > evil.txt")}`;
    const r = await corral(home, ['run', '--backend', backend, '--', 'sh', '-c', script], {
      cwd: repo.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const id = /corral: (shell-[a-z0-9]{5}) on/.exec(r.stderr)![1]!;

    // Positive control: the raw record holds each sequence as printed.
    const log = await readFile(join(home, 'instances', id, 'output.log'), 'utf8');
    for (const s of [
      '\x1b]52;c;',
      '\x1b]0;pwned',
      '\x1b]8;;',
      '\x1bP+q',
      '\x1b_G',
      '\x1b^p',
      '\x1b[6n',
      '\x1b[21t',
    ])
      expect(log).toContain(s);

    expectTerminalSafe(r.stdout, 'run stdout');
    expectTerminalSafe(r.stderr, 'run stderr');
    expect(r.stdout).toContain('\x1b[31mred\x1b[0m done');

    const logs = await corral(home, ['logs', id]);
    expectTerminalSafe(logs.stdout, 'logs');
    expect(logs.stdout).toContain('\x1b[31mred');
    const raw = await corral(home, ['logs', id, '--raw']);
    expectTerminalSafe(raw.stdout, 'logs --raw');
    expect(raw.stdout).toContain('link');
    const json = await corral(home, ['logs', id, '--json']);
    expectSafeJson(json.json(), 'logs --json');
    const events = await readFile(join(home, 'instances', id, 'events.ndjson'), 'utf8');
    for (const line of events.trim().split('\n')) expectSafeJson(JSON.parse(line), 'events.ndjson');

    const diff = await corral(home, ['diff', id]);
    expect(diff.stdout).toContain('evil.txt');
    expectTerminalSafe(diff.stdout, 'diff');
  });

  it('reach no terminal through attach, the run summary and ls', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      ['run', '--backend', backend, '-d', '--json', '--', 'sh', '-c', `sleep 1; ${printAll}`],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.json<{ id: string }>().id;
    const attach = await corral(home, ['attach', id]);
    expect(attach.code, attach.stderr).toBe(0);
    expect(attach.stdout).toContain('red');
    expectTerminalSafe(attach.stdout, 'attach');

    // A name from the sandbox in the summary: the command that was not found.
    const missing = await corral(
      home,
      ['run', '--backend', backend, '--json', '--', 'no-such-\x1b]0;pwned\x07tool'],
      { cwd: repo.dir },
    );
    expect(missing.code).toBe(127);
    const out = missing.json<{ message: string }>();
    expect(out.message).toContain('no-such-tool');
    expectTerminalSafe(missing.stderr, 'summary');
    expectSafeJson(out, 'run --json');

    const ls = await corral(home, ['ls']);
    expectTerminalSafe(ls.stdout, 'ls');
  });
});

import { describe, expect, it } from 'vitest';
import { buildCommandLine } from './inner-fence.js';

describe('buildCommandLine', () => {
  it('runs the argv, verbatim, through bash in a bubblewrap that refuses user namespaces', () => {
    const line = buildCommandLine(['printf', '%s', "it's", '-n'], {
      bwrap: '/usr/bin/bwrap',
      shell: '/usr/bin/bash',
    });
    expect(line).toBe(
      "exec '/usr/bin/bwrap' '--unshare-user' '--disable-userns' '--unshare-pid' '--die-with-parent' '--cap-drop' 'ALL' '--dev-bind' '/' '/' '--proc' '/proc' '--' '/usr/bin/bash' '-c' '\"$@\"' 'bash' 'printf' '%s' 'it'\\''s' '-n'",
    );
  });

  it('sets RLIMIT_NPROC first when asked, and variables for the command', () => {
    const line = buildCommandLine(['true'], {
      bwrap: 'bwrap',
      shell: 'bash',
      nproc: 64,
      setEnv: { NO_PROXY: '' },
    });
    expect(line.startsWith('ulimit -u 64 && exec ')).toBe(true);
    expect(line).toContain("'--setenv' 'NO_PROXY' '' '--'");
  });
});

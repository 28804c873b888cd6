/**
 * Remembers which source repositories corral has worked on (`$CORRAL_HOME/repos`, one
 * path a line), so `corral gc` can find refs it left there after the instance records are
 * gone.
 */
import { appendFile, readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

function registryPath(home: string): string {
  return join(home, 'repos');
}

export async function rememberRepo(home: string, root: string): Promise<void> {
  const known = await loadRepos(home);
  if (known.includes(root)) return;
  await mkdir(home, { recursive: true });
  await appendFile(registryPath(home), root + '\n');
}

export async function loadRepos(home: string): Promise<string[]> {
  const text = await readFile(registryPath(home), 'utf8').catch(() => '');
  return [...new Set(text.split('\n').filter(Boolean))];
}

/** The ids of the state dirs under `$CORRAL_HOME/instances/`, whether or not their records are readable. */
import { readdir } from 'node:fs/promises';
import { getInstancesDir } from './paths.js';

/** Sorted; none when the folder does not exist yet. */
export async function listInstanceIds(home: string): Promise<string[]> {
  const entries = await readdir(getInstancesDir(home), { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

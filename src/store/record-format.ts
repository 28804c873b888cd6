/**
 * Names the shape of the instance records this corral writes: a hash of the metadata
 * schema, as JSON Schema. The index tags each row with the shape its record was checked
 * against; a row of this same shape is read back with JSON.parse alone (the schema check
 * was most of what `ls` of thousands of instances cost), and any other — indexed by
 * another version of corral — goes through the schema again, so that defaults a newer
 * schema added apply to it. Computing it takes a few milliseconds, once per index.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Metadata } from '../state/index.js';

export function getRecordFormat(): string {
  return createHash('sha256')
    .update(JSON.stringify(z.toJSONSchema(Metadata)))
    .digest('hex')
    .slice(0, 16);
}

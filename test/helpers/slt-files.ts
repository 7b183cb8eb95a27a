/** The sqllogictest files under a directory, recursively, in a stable (sorted) order. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function listTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.test')) out.push(p);
  }
  return out;
}

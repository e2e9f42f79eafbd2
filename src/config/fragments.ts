// Finding TOML fragments: the buildpack's defaults, then the app's, merged by file name.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One fragment file, as it will be parsed. */
export interface Fragment {
  /** The file name, which orders fragments and lets an app fragment replace a default. */
  name: string;
  path: string;
  text: string;
  /** The fragment this one replaced, when an app ships a file with a default's name. */
  replaces?: string;
}

/**
 * Reads `*.toml` from each directory in turn. A fragment with the same file name as one from an earlier
 * directory replaces it (an empty file disables a default). The result is in file-name order.
 */
export function readFragments(dirs: string[]): Fragment[] {
  const byName = new Map<string, Fragment>();
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.toml'))
      .sort()) {
      const path = join(dir, name);
      const earlier = byName.get(name);
      byName.set(name, { name, path, text: readFileSync(path, 'utf8'), replaces: earlier?.path });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

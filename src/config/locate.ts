// Line numbers for sections and keys: the TOML parser gives values, not positions, so we scan the text.

const HEADER = /^\s*\[\[?\s*([^[\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY = /^\s*("?)([A-Za-z0-9_.-]+)\1\s*=/;

/** Maps `kind.name` to the line of its header and `kind.name.key` to the line where the key is set. */
export function indexLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let section = '';
  text.split(/\r?\n/).forEach((line, i) => {
    const header = HEADER.exec(line);
    if (header) {
      section = header[1].replace(/\s*\.\s*/g, '.').replace(/"/g, '');
      // Register `outputs` as well as `outputs.name`, so a whole-kind problem finds its first header.
      const parts = section.split('.');
      for (let n = 1; n <= parts.length; n++) {
        const prefix = parts.slice(0, n).join('.');
        if (!lines.has(prefix)) lines.set(prefix, i + 1);
      }
      return;
    }
    const key = KEY.exec(line);
    if (key) {
      const path = section ? `${section}.${key[2]}` : key[2];
      if (!lines.has(path)) lines.set(path, i + 1);
    }
  });
  return lines;
}

/** The most specific known line for a key path: the key itself, else its section, else 0. */
export function lineFor(index: Map<string, number>, section: string, key?: string): number {
  if (key) {
    const parts = key.split('.');
    for (let n = parts.length; n > 0; n--) {
      const line = index.get(`${section}.${parts.slice(0, n).join('.')}`);
      if (line) return line;
    }
  }
  return index.get(section) ?? 0;
}

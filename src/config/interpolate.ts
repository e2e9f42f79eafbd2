// `${VAR}` and `${VAR:-default}` in string values, resolved from the environment when drover starts.

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces references in one string; `$$` is a literal `$`. Names that are unset (and have no default) are returned. */
export function interpolate(value: string, env: NodeJS.ProcessEnv): { value: string; unset: string[] } {
  const unset: string[] = [];
  if (!value.includes('$')) return { value, unset };
  const result = value.replace(REFERENCE, (_all, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '$';
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    unset.push(name);
    return '';
  });
  return { value: result, unset };
}

/** Interpolates every string inside a TOML value (tables and arrays included), reporting unset names by key path. */
export function interpolateTree(value: unknown, env: NodeJS.ProcessEnv, path: string, unset: Map<string, string[]>): unknown {
  if (typeof value === 'string') {
    const result = interpolate(value, env);
    if (result.unset.length) unset.set(path, result.unset);
    return result.value;
  }
  if (Array.isArray(value)) return value.map((v) => interpolateTree(v, env, path, unset));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateTree(v, env, path ? `${path}.${k}` : k, unset)]));
  }
  return value;
}

// Addresses that inputs listen on: `host:port`, `[v6]:port`, `:port` (loopback), with an optional scheme.

export interface ListenAddress {
  scheme: string;
  host: string;
  port: number;
}

/**
 * Parses `[scheme://]host:port` (the first scheme when none is written); an empty host is 127.0.0.1, so nothing
 * is exposed unless the address says so. Returns the problem, ending "got ...", when it is not one.
 */
export function parseListenAddress(text: string, schemes: readonly string[], example: string): ListenAddress | string {
  const match = /^(?:([a-z]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d{1,5})$/.exec(text.trim());
  if (!match) return `must be ${schemes.length > 1 ? `${schemes.map((s) => `${s}://`).join(' or ')}` : ''}HOST:PORT, e.g. "${example}", got "${text}"`;
  const [, scheme = schemes[0], rawHost, port] = match;
  if (!schemes.includes(scheme)) return `must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got "${text}"`;
  if (Number(port) < 1 || Number(port) > 65535) return `must have a port from 1 to 65535, got "${text}"`;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost || '127.0.0.1';
  return { scheme, host, port: Number(port) };
}

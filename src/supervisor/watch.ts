// `[supervisor] watch = true`: reload when the Procfile, a .env file or a drover/*.toml fragment changes.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Files change in bursts (an editor writes, renames, touches): one reload once they are quiet this long. */
const QUIET_MS = 300;

/** Watches the app's configuration files and calls `onChange` once per burst of changes; returns a stop function. */
export function watchConfig(appDir: string, procfile: string | undefined, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, QUIET_MS);
  };
  const watchers: FSWatcher[] = [];
  // Directories, not files: an editor that saves by renaming replaces the file a watch would follow.
  const add = (dir: string, wanted: (name: string) => boolean) => {
    if (!existsSync(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name && wanted(name.toString())) changed();
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // not watchable here (no inotify watches left): reload with drover reload or SIGHUP instead
    }
  };
  const procfileName = procfile ? basename(procfile) : 'Procfile';
  add(appDir, (name) => name === 'Procfile' || name === procfileName || name.startsWith('.env'));
  if (procfile && dirname(procfile) !== appDir) add(dirname(procfile), (name) => name === procfileName);
  add(join(appDir, 'drover'), (name) => name.endsWith('.toml'));
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

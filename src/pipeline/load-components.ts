// The component types of components.ts, for the registry. Read from src/ (tests, docs), this is a plain import. In
// lib/drover.js, scripts/build.mjs puts in its place a loader of lib/drover-components.js, run at the first call:
// every start pays for the size of the script it loads (reading, V8's code cache), and most apps need none of them.
import * as components from './components';

/** Every component type of components.ts, loaded on the first call. */
export function loadComponents(): typeof components {
  return components;
}

// drover's version, for the `version` command, the buildpack's output and the OTLP scope (imported by both programs).

declare const DROVER_VERSION: string;

/** The version baked into the bundle at build time (package.json's), or `dev` when run from source. */
export const VERSION = typeof DROVER_VERSION === 'string' ? DROVER_VERSION : 'dev';

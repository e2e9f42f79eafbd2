// Every pipeline component type, keyed by kind and `type`: config validation and the pipeline both start here.
// An entry is a loader: stdout and stderr are in lib/drover.js, every other type in lib/drover-components.js,
// loaded on the first use of one of them (load-components.ts), so that a default start does not load them.
import type { ComponentDefinition, ComponentKind } from './component';
import { stderrOutput, stdoutOutput } from './outputs/stdout';
import { loadComponents as lazy } from './load-components';

type Registry = { [K in ComponentKind]: Record<string, () => ComponentDefinition<K>> };

export const registry: Registry = {
  inputs: {
    file: () => lazy().fileInput,
    syslog: () => lazy().syslogInput,
    http: () => lazy().httpInput,
    process_metrics: () => lazy().processMetricsInput,
  },
  decoders: {
    json: () => lazy().jsonDecoder,
    logfmt: () => lazy().logfmtDecoder,
    regex: () => lazy().regexDecoder,
    severity: () => lazy().severityDecoder,
  },
  filters: {
    drop: () => lazy().dropFilter,
    throttle: () => lazy().throttleFilter,
    dedupe: () => lazy().dedupeFilter,
    sample: () => lazy().sampleFilter,
    redact: () => lazy().redactFilter,
    multiline: () => lazy().multilineFilter,
    fields: () => lazy().fieldsFilter,
    counter: () => lazy().counterFilter,
  },
  outputs: {
    stdout: () => stdoutOutput,
    stderr: () => stderrOutput,
    file: () => lazy().fileOutput,
    syslog: () => lazy().syslogOutput,
    http: () => lazy().httpOutput,
    otlp: () => lazy().otlpOutput,
  },
};

/** The definition of a component type (loaded on first use), or undefined when there is no such type. */
export function findDefinition<K extends ComponentKind>(kind: K, type: string): ComponentDefinition<K> | undefined {
  const entries = registry[kind] as Record<string, () => ComponentDefinition<K>>;
  return Object.hasOwn(entries, type) ? entries[type]() : undefined;
}

/** The type names known for a kind, for error hints: nothing is loaded. */
export function typesOf(kind: ComponentKind): string[] {
  return Object.keys(registry[kind]);
}

/** Every definition of a kind, in the registry's order (the configuration reference's): loads them all. */
export function definitionsOf<K extends ComponentKind>(kind: K): ComponentDefinition<K>[] {
  return typesOf(kind).map((type) => findDefinition(kind, type)!);
}

// Every pipeline component type, keyed by kind and `type`: config validation and the pipeline both start here.
import type { ComponentDefinition, ComponentKind } from './component';
import { stderrOutput, stdoutOutput } from './outputs/stdout';
import { jsonDecoder } from './decoders/json';
import { logfmtDecoder } from './decoders/logfmt';
import { regexDecoder } from './decoders/regex';
import { severityDecoder } from './decoders/severity';
import { counterFilter } from './filters/counter';
import { dedupeFilter } from './filters/dedupe';
import { dropFilter } from './filters/drop';
import { fieldsFilter } from './filters/fields';
import { multilineFilter } from './filters/multiline';
import { redactFilter } from './filters/redact';
import { sampleFilter } from './filters/sample';
import { throttleFilter } from './filters/throttle';
import { fileOutput } from './outputs/file';
import { syslogOutput } from './outputs/syslog';
import { httpOutput } from './outputs/http';
import { otlpOutput } from './outputs/otlp';
import { fileInput } from './inputs/file';
import { syslogInput } from './inputs/syslog';
import { httpInput } from './inputs/http';
import { processMetricsInput } from './inputs/process-metrics';

type Registry = { [K in ComponentKind]: Record<string, ComponentDefinition<K>> };

function byType<K extends ComponentKind>(...definitions: ComponentDefinition<K>[]): Record<string, ComponentDefinition<K>> {
  return Object.fromEntries(definitions.map((d) => [d.type, d]));
}

export const registry: Registry = {
  inputs: byType<'inputs'>(),
  decoders: byType<'decoders'>(),
  filters: byType<'filters'>(),
  outputs: byType<'outputs'>(stdoutOutput, stderrOutput),
};
// Decoders, filters and the file output (added apart from the literal above so each owner only adds lines).
Object.assign(registry.decoders, byType<'decoders'>(jsonDecoder, logfmtDecoder, regexDecoder, severityDecoder));
Object.assign(
  registry.filters,
  byType<'filters'>(dropFilter, throttleFilter, dedupeFilter, sampleFilter, redactFilter, multilineFilter, fieldsFilter, counterFilter),
);
Object.assign(registry.outputs, byType<'outputs'>(fileOutput));
Object.assign(registry.outputs, byType<'outputs'>(syslogOutput, httpOutput));
Object.assign(registry.outputs, byType<'outputs'>(otlpOutput));

// Inputs, each in inputs/ with its schema beside its code.
Object.assign(registry.inputs, byType<'inputs'>(fileInput, syslogInput, httpInput, processMetricsInput));

/** The definition of a component type, or undefined when there is no such type. */
export function findDefinition<K extends ComponentKind>(kind: K, type: string): ComponentDefinition<K> | undefined {
  return Object.hasOwn(registry[kind], type) ? (registry[kind][type] as ComponentDefinition<K>) : undefined;
}

/** The type names known for a kind, for error hints. */
export function typesOf(kind: ComponentKind): string[] {
  return Object.keys(registry[kind]);
}

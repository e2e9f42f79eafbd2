// Every component type off drover's default path (which needs only stdout and stderr): the entry of the second
// bundle, lib/drover-components.js, which the registry loads on first use (load-components.ts says how).
export { jsonDecoder } from './decoders/json';
export { logfmtDecoder } from './decoders/logfmt';
export { regexDecoder } from './decoders/regex';
export { severityDecoder } from './decoders/severity';
export { counterFilter } from './filters/counter';
export { dedupeFilter } from './filters/dedupe';
export { dropFilter } from './filters/drop';
export { fieldsFilter } from './filters/fields';
export { multilineFilter } from './filters/multiline';
export { redactFilter } from './filters/redact';
export { sampleFilter } from './filters/sample';
export { throttleFilter } from './filters/throttle';
export { fileOutput } from './outputs/file';
export { syslogOutput } from './outputs/syslog';
export { httpOutput } from './outputs/http';
export { otlpOutput } from './outputs/otlp';
export { fileInput } from './inputs/file';
export { syslogInput } from './inputs/syslog';
export { httpInput } from './inputs/http';
export { processMetricsInput } from './inputs/process-metrics';

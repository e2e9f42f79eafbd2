// A drain's delivery from its options: the record buffer, the send loop and the warnings at start. Every drain
// (syslog, http, otlp) is made here, from its own encoder and a transport.
import type { Schema } from '../../config/schema';
import { bufferField, createBuffer } from '../buffers/buffer';
import type { ComponentContext } from '../component';
import { SEVERITY, type Message } from '../message';
import { Sender, type Transport } from './sender';

/** The options every drain takes for delivery: the waits between attempts, and where records wait for the drain. */
export const deliveryFields: Schema = {
  backoff_initial: { type: 'duration', default: '500ms', doc: 'first wait before a retry or reconnect; doubles on each failure' },
  backoff_max: { type: 'duration', default: '30s', doc: 'longest wait between retries or reconnects' },
  buffer: bufferField,
};

/** What a drain brings to its delivery. */
export interface DrainParts {
  transport: Transport;
  /** Each message as one record, as the transport sends it. */
  encode: (message: Message) => Buffer;
  /** Most records and bytes in one send, and how long a batch may wait to fill (0: send what is pending at once). */
  batch: { count: number; bytes: number; interval: number };
  /** Said once at start, each as its own warning (a TLS key others can read, tls_verify = false, ...). */
  warnings?: string[];
}

/**
 * The drain as an Output: its `buffer` option's record buffer and a Sender that delivers from it with the
 * transport, retrying with backoff_initial/backoff_max (and max_retries, where the drain has that option).
 */
export function createDrain(options: Record<string, any>, context: ComponentContext, parts: DrainParts): Sender {
  const buffer = createBuffer(options.buffer, context.id.replace(/^outputs\./, ''), context.env);
  const sender = new Sender(buffer, parts.transport, parts.encode, context, {
    batchCount: parts.batch.count,
    batchBytes: parts.batch.bytes,
    batchInterval: parts.batch.interval,
    backoffInitial: options.backoff_initial,
    backoffMax: options.backoff_max,
    maxRetries: options.max_retries,
  });
  for (const warning of parts.warnings ?? []) sender.reporter.say(`warning ${warning}`, `${context.id}: ${warning}`, SEVERITY.warning);
  return sender;
}

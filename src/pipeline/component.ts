// What every pipeline component is: its config schema, its documentation, and a factory for its kind.
import type { Schema } from '../config/schema';
import type { BlockSource } from './formats/formats';
import type { Message } from './message';
import type { LineSink } from './intake/splitter';

/** An instance of the formation, as formats see it. */
export interface InstanceName {
  readonly name: string;
}

const ONE_INSTANCE: readonly InstanceName[] = [{ name: '' }];

/** The formation where nothing else is known: one instance, whose name no column needs room for. */
export const oneInstance = (): readonly InstanceName[] => ONE_INSTANCE;

/** What a component gets from the pipeline besides its own options. */
export interface ComponentContext {
  /** `outputs.papertrail`: the prefix of every line the component reports. */
  id: string;
  env: NodeJS.ProcessEnv;
  hostname: string;
  /** True on Heroku, Cloud Foundry or a CNB platform, where the platform adds timestamps itself. */
  onPlatform: boolean;
  /** True when stdout is a terminal (for colours). */
  isTTY: boolean;
  /**
   * The process instances this drover runs now (in this dyno or container), a scale included: `auto` formats name
   * them when several, and the prefixed format sizes its name column for all of them, as foreman does.
   */
  instances: () => readonly InstanceName[];
  /**
   * Sends a line of drover's own into the pipeline after this component: a filter's summary goes through the
   * filters after it and then to the outputs; an output's report (drops, retries) goes to the outputs.
   * Such messages have Type 'drover' and the component's id as Logger (`outputs.papertrail`).
   */
  report(text: string, severity?: number): void;
  /** Like report, for a message the component built itself (e.g. a multiline group it held back). */
  emit(message: Message): void;
}

/** Rewrites a message in place (sets fields, severity, timestamp). Never drops it. */
export interface Decoder {
  decode(message: Message): void;
}

/** Passes, changes, holds back or drops messages; `emit` sends on messages the filter produces later. */
export interface Filter {
  /** Returns the message to pass on (possibly another one), or undefined to drop or hold it. */
  process(message: Message): Message | undefined;
  /** Called on shutdown: hand over what is held (a multiline group, a pending "repeated" line). */
  flush?(): void;
  close?(): void;
}

/** Receives the messages its match accepts. `write` returns false when the caller should wait for `drain`. */
export interface Output {
  /**
   * Encodes the message before returning (into its buffer or a record of its own) and keeps nothing of it: the
   * message's bytes may be the read buffer, which the next read overwrites.
   */
  write(message: Message): boolean;
  /** Optional fast path: whole lines of one source, written without making messages (see formats.ts). The bytes are only valid during the call: copy them. */
  lines?(chunk: Buffer, start: number, end: number, source: BlockSource, timestamp: number): boolean;
  /** The longest line `lines` takes: longer lines come to `write` as messages (to be split for a transport). */
  blockLimit?: number;
  /** Resolves when the output can take more after `write` returned false. */
  drained(): Promise<void>;
  /** Writes what is buffered, waiting at most until `deadline` (ms since epoch). */
  close(deadline: number): Promise<void>;
  /** Counters shown by `drover status`. */
  stats?(): Record<string, number | string>;
  /** True for a drain (syslog, http): it is closed first at shutdown, and what it still holds is said while drover waits. */
  remote?: boolean;
  /**
   * The descriptor this output writes every line to unchanged (a raw stdout or stderr that never splits a line
   * itself): a process may write there directly when nothing else needs its lines (Pipeline.directFd).
   */
  directFd?: number;
}

/** What an input gets when it starts: where its lines and messages go, and what it may need to know. */
export interface InputHost {
  /** The app directory: relative paths in options are relative to it. */
  appDir: string;
  /** Whole lines, as a process's output enters the pipeline (the fast path when there are no decoders or filters). */
  sink: LineSink;
  /** Routes a message the input built itself through decoders, filters and outputs. */
  emit(message: Message): void;
  /** True while an output is full: stop reading until `onResume` calls back. */
  readonly blocked: boolean;
  onResume(callback: () => void): void;
  /** [supervisor] max_line_length and partial_line_timeout, which apply to inputs' lines too. */
  maxLine: number;
  partialTimeout: number;
  /** The supervised instances now (name and pid when running), for inputs that watch them. */
  instances(): { name: string; pid: number | undefined }[];
}

/** An input brings messages from somewhere other than the supervised processes (a file, a socket). */
export interface Input {
  /** Starts reading or listening; rejects when it cannot (an address in use), with a message saying why. */
  start(host: InputHost): Promise<void>;
  /** Stops taking new data and passes on what it holds (partial lines); saves its state (checkpoints). */
  close(): Promise<void>;
  /** Counters shown by `drover status`. */
  stats?(): Record<string, number | string>;
}

export interface ComponentKinds {
  inputs: Input;
  decoders: Decoder;
  filters: Filter;
  outputs: Output;
}
export type ComponentKind = keyof ComponentKinds;
export const COMPONENT_KINDS: readonly ComponentKind[] = ['inputs', 'decoders', 'filters', 'outputs'];

/** A component type, such as the `throttle` filter: registered by `type` in the registry. */
export interface ComponentDefinition<K extends ComponentKind = ComponentKind> {
  kind: K;
  type: string;
  summary: string;
  schema: Schema;
  /** A TOML example for the configuration reference. */
  example: string;
  /** Extra checks across options, run after the schema's; returns problems as `option: message`. */
  check?(options: Record<string, any>): { key: string; message: string; hint?: string }[];
  create(options: Record<string, any>, context: ComponentContext): ComponentKinds[K];
}

/** Type helper so each component file declares a definition checked against its kind. */
export function defineComponent<K extends ComponentKind>(definition: ComponentDefinition<K>): ComponentDefinition<K> {
  return definition;
}

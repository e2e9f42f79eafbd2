// The configured inputs of an app: built from the registry, started beside the processes, closed before the pipeline.
import type { ComponentConfig } from '../../config/load';
import { oneInstance, type ComponentContext, type Input, type InputHost } from '../component';
import { type Message, SEVERITY } from '../message';
import type { Pipeline } from '../pipeline';
import { findDefinition } from '../registry';

export interface InputsOptions {
  appDir: string;
  env: NodeJS.ProcessEnv;
  hostname: string;
  onPlatform: boolean;
  maxLine: number;
  partialTimeout: number;
  /** The supervised instances now, for process_metrics. */
  instances(): { name: string; pid: number | undefined }[];
}

/** What to do about the errors an input's listener meets most. */
const HINTS: Record<string, string> = {
  EADDRINUSE: '; another program listens there: choose another port in the input\'s "address"',
  EACCES: '; ports below 1024 need root: choose a port of 1024 or more in the input\'s "address"',
  EADDRNOTAVAIL: '; no interface of this machine has that address: use 127.0.0.1, or 0.0.0.0 for all',
};

/** Every `[inputs.NAME]` of the configuration, each feeding the same pipeline as the processes. */
export class Inputs {
  private readonly inputs: { id: string; input: Input }[] = [];

  constructor(
    configs: ComponentConfig[],
    private readonly pipeline: Pipeline,
    private readonly options: InputsOptions,
  ) {
    for (const config of configs) {
      const definition = findDefinition('inputs', config.type);
      if (!definition) throw new Error(`unknown input type ${config.type}`); // validated before, never reached
      const id = `inputs.${config.name}`;
      const context: ComponentContext = {
        id,
        env: options.env,
        hostname: options.hostname,
        onPlatform: options.onPlatform,
        isTTY: false,
        instances: oneInstance, // only outputs' formats ask
        report: (text, severity = SEVERITY.info) => pipeline.internal(text, id, severity),
        emit: (m) => pipeline.route(m),
      };
      // The input's own name is its default Logger, as a process's instance name is for its lines.
      this.inputs.push({ id, input: definition.create({ name: config.name, ...config.options }, context) });
    }
  }

  get size(): number {
    return this.inputs.length;
  }

  /** Starts every input; one that cannot start (an address in use) is reported, and the others go on. */
  async start(): Promise<void> {
    const { pipeline, options } = this;
    const host: InputHost = {
      appDir: options.appDir,
      sink: pipeline,
      emit: (m: Message) => pipeline.route(m),
      get blocked() {
        return pipeline.blocked;
      },
      onResume: (callback) => pipeline.onResume(callback),
      maxLine: options.maxLine,
      partialTimeout: options.partialTimeout,
      instances: options.instances,
    };
    await Promise.all(
      this.inputs.map(({ id, input }) =>
        input
          .start(host)
          .catch((error: NodeJS.ErrnoException) =>
            pipeline.internal(`${id}: cannot start: ${error.message}${HINTS[error.code ?? ''] ?? ''}`, id, SEVERITY.err),
          ),
      ),
    );
  }

  /** Stops every input and lets each pass on what it holds; errors are reported, never thrown. */
  async close(): Promise<void> {
    await Promise.all(
      this.inputs.map(({ id, input }) => input.close().catch((error: Error) => this.pipeline.internal(`${id}: ${error.message}`, id, SEVERITY.err))),
    );
  }

  /** Per-input counters for `drover status`. */
  stats(): Record<string, Record<string, number | string>> {
    return Object.fromEntries(this.inputs.map(({ id, input }) => [id, input.stats?.() ?? {}]));
  }
}

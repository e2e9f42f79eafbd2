// Test helpers for decoders and filters: messages, a context that records what components emit, child output.
import { execFileSync } from 'node:child_process';
import { oneInstance, type ComponentContext, type ComponentDefinition, type ComponentKind, type ComponentKinds } from '../../../src/pipeline/component';
import { applySchema } from '../../../src/config/schema';
import { Message, type FieldValue } from '../../../src/pipeline/message';

/** A message as the splitter makes it. */
export function message(payload: string | Buffer, logger = 'web.1', fields?: Record<string, FieldValue>): Message {
  const m = new Message(typeof payload === 'string' ? Buffer.from(payload) : payload, logger, 'stdout', 42, 'host', 1_700_000_000_000);
  m.fields = fields;
  return m;
}

/** A context whose report() and emit() collect the messages a component sends later. */
export function recorder(env: NodeJS.ProcessEnv = {}): ComponentContext & { sent: Message[]; texts(): string[] } {
  const sent: Message[] = [];
  return {
    id: 'filters.test',
    env,
    hostname: 'host',
    onPlatform: false,
    isTTY: false,
    instances: oneInstance,
    sent,
    report(text, severity) {
      sent.push(Message.internal(text, 'drover', severity, 'host'));
    },
    emit(m) {
      sent.push(m);
    },
    texts: () => sent.map((m) => m.payload),
  };
}

/** Creates a component from TOML-like options, with schema defaults and unit conversion as config loading does. */
export function make<K extends ComponentKind>(
  definition: ComponentDefinition<K>,
  table: Record<string, unknown>,
  context: ComponentContext = recorder(),
): ComponentKinds[K] {
  const { options, problems } = applySchema(definition.schema, table);
  if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
  const checked = definition.check?.(options) ?? [];
  if (checked.length) throw new Error(checked.map((p) => p.message).join('; '));
  return definition.create(options, context);
}

/** The problems config validation reports for these options (schema, then the definition's own check). */
export function problemsOf(definition: ComponentDefinition, table: Record<string, unknown>): string[] {
  const { options, problems } = applySchema(definition.schema, table);
  if (problems.length) return problems.map((p) => p.message);
  return (definition.check?.(options) ?? []).map((p) => p.message);
}

/** The lines a real child process prints on stdout (split on \n, the last one even without an ending). */
export function childLines(script: string): Buffer[] {
  const out = execFileSync(process.execPath, ['-e', script], { maxBuffer: 64 * 1024 * 1024 });
  const lines: Buffer[] = [];
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(10, at);
    const end = nl === -1 ? out.length : nl;
    lines.push(out.subarray(at, end));
    at = end + 1;
  }
  return lines;
}

/** Runs messages through filters as the router does; returns what came out, emitted messages included, in order. */
export function run(filters: { process(m: Message): Message | undefined }[], messages: Message[], sent: Message[]): Message[] {
  const out: Message[] = [];
  for (const m of messages) {
    const before = sent.length;
    let next: Message | undefined = m;
    for (const f of filters) if (next) next = f.process(next);
    out.push(...sent.splice(before));
    if (next) out.push(next);
  }
  return out;
}

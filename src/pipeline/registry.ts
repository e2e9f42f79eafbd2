// Every pipeline component type, keyed by kind and `type`: config validation and the pipeline both start here.
import type { ComponentDefinition, ComponentKind } from './component';
import { stderrOutput, stdoutOutput } from './outputs/stdout';

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

/** The definition of a component type, or undefined when there is no such type. */
export function findDefinition<K extends ComponentKind>(kind: K, type: string): ComponentDefinition<K> | undefined {
  return Object.hasOwn(registry[kind], type) ? (registry[kind][type] as ComponentDefinition<K>) : undefined;
}

/** The type names known for a kind, for error hints. */
export function typesOf(kind: ComponentKind): string[] {
  return Object.keys(registry[kind]);
}

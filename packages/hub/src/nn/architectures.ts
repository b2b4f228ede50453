/**
 * The architecture registry `fromHub` builds models from: a model repo's `config.json` says
 * `{ library, architecture, config }`, and the factory registered under `architecture` turns
 * `config` (plain JSON) into a freshly initialised module. No code from a repo is ever run: a
 * name that nobody registered is an error.
 *
 * Domain packages register their models. One that depends on `@kindling/hub` calls
 * {@link registerArchitecture}; one that must not (hub is optional for it) fills the same registry
 * without importing anything, because it lives on `globalThis` under
 * `Symbol.for('@kindling/architectures')` as a `Map<name, { factory, library }>`:
 *
 * ```ts
 * const registry = ((globalThis as any)[Symbol.for('@kindling/architectures')] ??= new Map());
 * registry.set('resnet18', { factory: resnet18, library: 'kindling' });
 * ```
 *
 * `fromHub` also accepts a registry of its own (`{ architectures }`), e.g. `@kindling/vision`'s
 * `architectures` map, so applications can pass one explicitly.
 */
import { ValueError } from '@kindling/core';
import type { Module } from '@kindling/nn';

/** Builds a freshly initialised model from its JSON config (`config.json`'s `config`). */
export type ArchitectureFactory = (config?: any) => Module;

/** A registered architecture. */
export interface ArchitectureEntry {
  /** The builder. */
  factory: ArchitectureFactory;
  /** The library that provides it (`config.json`'s `library`; default `kindling`). */
  library: string;
}

const KEY = Symbol.for('@kindling/architectures');

/** The shared registry (one per process, whatever copies of the packages are loaded). */
export function architectureRegistry(): Map<string, ArchitectureEntry> {
  const g = globalThis as Record<symbol, unknown>;
  let m = g[KEY] as Map<string, ArchitectureEntry> | undefined;
  if (!(m instanceof Map)) {
    m = new Map();
    g[KEY] = m;
  }
  return m;
}

/**
 * Registers (or, with `{ override: true }`, replaces) an architecture. Registering a taken name
 * without `override` throws a ValueError, so two packages cannot silently shadow each other.
 */
export function registerArchitecture(
  name: string,
  factory: ArchitectureFactory,
  options: { library?: string; override?: boolean } = {},
): void {
  if (typeof name !== 'string' || name === '')
    throw new ValueError(`registerArchitecture: name must be a non-empty string, got ${String(name)}`);
  if (typeof factory !== 'function')
    throw new ValueError(`registerArchitecture: factory for '${name}' must be a function`);
  const registry = architectureRegistry();
  if (registry.has(name) && !options.override)
    throw new ValueError(
      `registerArchitecture: '${name}' is already registered (pass { override: true } to replace it)`,
    );
  registry.set(name, { factory, library: options.library ?? 'kindling' });
}

/** Removes an architecture; false when it was not registered. */
export function unregisterArchitecture(name: string): boolean {
  return architectureRegistry().delete(name);
}

/** Names of the registered architectures, sorted. */
export function listArchitectures(): string[] {
  return [...architectureRegistry().keys()].sort();
}

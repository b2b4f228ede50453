/**
 * Checkpoints: state dicts saved as safetensors (PyTorch-style keys, so files exchange with
 * PyTorch and the Hugging Face ecosystem). Files are written atomically by core's writer; the
 * byte-level functions work in the browser too.
 */
import {
  type DeviceName,
  loadFile,
  loadSafetensors,
  saveFile,
  saveSafetensors,
  saveSafetensorsAsync,
  Tensor,
  ValueError,
} from '@kindling/core';
import { type IncompatibleKeys, Module, type StateDict } from './module.js';

/** String metadata stored in the file header (`__metadata__`). */
export type Metadata = Record<string, string>;

/** A checkpoint file's contents, as `loadWithMetadata` returns them. */
export interface StateDictWithMetadata {
  /** The tensors, by their PyTorch-style dotted names (`fc1.weight`). */
  stateDict: StateDict;
  /** The header's `__metadata__` strings (`{}` when the file has none). */
  metadata: Metadata;
}

/** Options of the loaders. */
export interface LoadOptions {
  /** Device to create the tensors on (default `cpu`). */
  device?: DeviceName;
}

function toStateDict(op: string, moduleOrStateDict: Module | StateDict): StateDict {
  if (moduleOrStateDict instanceof Module) return moduleOrStateDict.stateDict();
  if (typeof moduleOrStateDict !== 'object' || moduleOrStateDict === null)
    throw new ValueError(
      `${op}: expected a Module or a state dict (a record of tensors), got ${String(moduleOrStateDict)}`,
    );
  for (const [k, v] of Object.entries(moduleOrStateDict))
    if (!(v instanceof Tensor)) throw new ValueError(`${op}: state dict entry '${k}' is not a Tensor`);
  return moduleOrStateDict;
}

/** Metadata with `format: 'pt'` (what Hugging Face loaders expect of a PyTorch state dict) unless given. */
function withFormat(op: string, metadata: Metadata | undefined): Metadata {
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null))
    throw new ValueError(`${op}: metadata must be a record of strings`);
  return { format: 'pt', ...metadata };
}

/**
 * Saves a module's state dict (or a state dict) to a safetensors file at `path`, atomically, with
 * optional string `metadata` (Node only; in the browser use `stateDictToBytes`).
 */
export async function save(
  moduleOrStateDict: Module | StateDict,
  path: string,
  metadata?: Metadata,
): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new ValueError(`save: expected a file path, got ${String(path)}`);
  await saveFile(path, toStateDict('save', moduleOrStateDict), withFormat('save', metadata));
}

/** Loads a safetensors file as a state dict (Node only; in the browser use `stateDictFromBytes`). */
export async function load(path: string, options?: LoadOptions): Promise<StateDict> {
  return (await loadWithMetadata(path, options)).stateDict;
}

/** Loads a safetensors file's state dict together with its header metadata. */
export async function loadWithMetadata(path: string, options?: LoadOptions): Promise<StateDictWithMetadata> {
  if (typeof path !== 'string' || path === '')
    throw new ValueError(`load: expected a file path, got ${String(path)}`);
  const { tensors, metadata } = await loadFile(path, { device: options?.device });
  return { stateDict: tensors, metadata };
}

/**
 * Loads a safetensors file into `module` (see `Module.loadStateDict`): with `strict` (default)
 * every key must match, and all missing, unexpected and mis-shaped keys are reported together.
 * Values are converted to each parameter's dtype and device.
 */
export async function loadInto(
  module: Module,
  path: string,
  options?: { strict?: boolean },
): Promise<IncompatibleKeys> {
  if (!(module instanceof Module)) throw new ValueError(`loadInto: expected a Module, got ${String(module)}`);
  return module.loadStateDict(await load(path), options);
}

/** Serialises a module's state dict (or a state dict) to safetensors bytes (CPU tensors; works in browsers). */
export function stateDictToBytes(moduleOrStateDict: Module | StateDict, metadata?: Metadata): Uint8Array {
  return saveSafetensors(
    toStateDict('stateDictToBytes', moduleOrStateDict),
    withFormat('stateDictToBytes', metadata),
  );
}

/** `stateDictToBytes` for tensors on any device (reads device memory asynchronously). */
export async function stateDictToBytesAsync(
  moduleOrStateDict: Module | StateDict,
  metadata?: Metadata,
): Promise<Uint8Array> {
  return saveSafetensorsAsync(
    toStateDict('stateDictToBytesAsync', moduleOrStateDict),
    withFormat('stateDictToBytesAsync', metadata),
  );
}

/** Parses safetensors bytes into a state dict (works in browsers). */
export function stateDictFromBytes(bytes: Uint8Array | ArrayBuffer, options?: LoadOptions): StateDict {
  return loadSafetensors(bytes, { device: options?.device }).tensors;
}

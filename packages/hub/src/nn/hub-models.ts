/**
 * `pushToHub` / `fromHub`: publish a `@kindling/nn` model as a model repo and build it back.
 *
 * A pushed repo holds `model.safetensors` (the state dict, written by core's safetensors writer),
 * `config.json` (`{ library, architecture, config }`) and `README.md` (the model card), committed
 * together as one commit. `fromHub` downloads a revision (verified, cached, offline-capable through
 * the client), builds the model with the factory registered for `config.json`'s architecture, and
 * loads the weights strictly: every key present, none unexpected, every shape equal. Nothing from
 * the repo is executed; the config is plain JSON handed to a factory the application registered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceName } from '@kindling/core';
import { load, type Module, type StateDict, stateDictToBytesAsync } from '@kindling/nn';
import type { CommitResult, ContentSource, HubClient } from '../client/client.js';
import { HubError, IntegrityError, NotFoundError } from '../errors.js';
import { type ModelCard, type ModelConfig, parseModelConfig, renderModelCard } from '../model/card.js';
import { checkPath } from '../validate.js';
import { type ArchitectureEntry, type ArchitectureFactory, architectureRegistry } from './architectures.js';

/** Options of {@link pushToHub}. */
export interface PushToHubOptions {
  /** The client to push with (its token needs write access). */
  client: HubClient;
  /** How to build the model again: `config.json` (`library` defaults to `kindling`). */
  config: {
    /** Library that owns the architecture (default `kindling`). */
    library?: string;
    /** Registered architecture name that rebuilds the model (`MLP`, `ResNet18`, ...). */
    architecture: string;
    /** Arguments of the architecture's constructor, JSON-serialisable (default `{}`). */
    config?: Record<string, unknown>;
  };
  /** The model card: a whole `README.md`, or front matter + markdown body (both optional). */
  card?: string | Partial<ModelCard>;
  /** Commit message (default `Push <architecture> model`). */
  message?: string;
  /** Branch (default `main`). */
  branch?: string;
  /** Create the repo when it does not exist (default true), private or not (default false). */
  create?: boolean;
  /** Visibility of a repo created here. */
  private?: boolean;
  /** Tag the new commit (e.g. `v1.0`). */
  tag?: string;
  /** String metadata for the safetensors header (`format: pt` is added). */
  metadata?: Record<string, string>;
  /** Further files to commit along (e.g. a tokenizer). */
  extraFiles?: ContentSource[];
}

/**
 * Pushes a model as one commit of `model.safetensors`, `config.json` and `README.md` (creating the
 * repo when missing), optionally tags it, and returns the commit.
 */
export async function pushToHub(model: Module, repo: string, opts: PushToHubOptions): Promise<CommitResult> {
  const { client } = opts;
  const cfg: ModelConfig = {
    library: opts.config.library ?? 'kindling',
    architecture: opts.config.architecture,
    config: opts.config.config ?? {},
  };
  // The same checks the server makes, before anything is sent.
  parseModelConfig(JSON.stringify(cfg));
  const weights = await stateDictToBytesAsync(model, opts.metadata);
  const card =
    opts.card === undefined
      ? `# ${repo}\n\nA \`${cfg.architecture}\` model pushed with @kindling/hub.\n`
      : typeof opts.card === 'string'
        ? opts.card
        : renderModelCard(opts.card);
  if (opts.create !== false) {
    try {
      await client.repoInfo(repo);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await client.createRepo(repo, { private: opts.private ?? false });
    }
  }
  const files = [
    { path: 'model.safetensors', content: weights },
    { path: 'config.json', content: `${JSON.stringify(cfg, null, 2)}\n` },
    { path: 'README.md', content: card },
    ...(opts.extraFiles ?? []).map((f) => ({ path: checkPath(f.path), content: f.content })),
  ];
  const result = await client.uploadFiles(repo, files, {
    branch: opts.branch,
    message: opts.message ?? `Push ${cfg.architecture} model`,
  });
  if (opts.tag) await client.tag(repo, opts.tag, { revision: result.commit });
  return result;
}

/** Options of {@link fromHub}. */
export interface FromHubOptions {
  /** The client to pull with (anonymous for public repos; `offline: true` reads only the cache). */
  client: HubClient;
  /** Branch, tag or commit (default `main`). */
  revision?: string;
  /**
   * Where to look architectures up (default: the shared registry filled by `registerArchitecture`).
   * A plain `Map<name, factory>` works too, e.g. `@kindling/vision`'s `architectures`.
   */
  architectures?: Map<string, ArchitectureFactory | ArchitectureEntry>;
  /** Device for the weights (default `cpu`). */
  device?: DeviceName;
}

function lookup(
  registry: Map<string, ArchitectureFactory | ArchitectureEntry>,
  cfg: ModelConfig,
  repo: string,
): ArchitectureFactory {
  const entry = registry.get(cfg.architecture);
  if (!entry)
    throw new HubError(
      422,
      'unknown_architecture',
      `${repo}: config.json names architecture '${cfg.architecture}' (library '${cfg.library}'), which is not registered; install the package that provides it and register it (registerArchitecture). Registered: ${[...registry.keys()].sort().join(', ') || '(none)'}`,
    );
  if (typeof entry === 'function') return entry;
  if (entry.library !== cfg.library)
    throw new HubError(
      422,
      'library_mismatch',
      `${repo}: architecture '${cfg.architecture}' is registered by library '${entry.library}', but config.json says '${cfg.library}'`,
    );
  return entry.factory;
}

/** Reads the weights of a snapshot: `model.safetensors`, or the shards its index lists. */
async function readWeights(
  dir: string,
  files: Set<string>,
  repo: string,
  device?: DeviceName,
): Promise<StateDict> {
  if (files.has('model.safetensors')) return load(join(dir, 'model.safetensors'), { device });
  if (files.has('model.safetensors.index.json')) {
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
    } catch (err) {
      throw new IntegrityError(
        `${repo}: invalid model.safetensors.index.json (${(err as Error).message})`,
        'invalid_index',
      );
    }
    const shards = new Set(Object.values(index.weight_map ?? {}));
    const out: StateDict = {};
    for (const shard of shards) {
      if (typeof shard !== 'string' || !files.has(checkPath(shard)) || !shard.endsWith('.safetensors'))
        throw new IntegrityError(`${repo}: index names a missing shard '${String(shard)}'`, 'invalid_index');
      Object.assign(out, await load(join(dir, shard), { device }));
    }
    return out;
  }
  throw new NotFoundError(`${repo}: no model.safetensors (or sharded index) in the repo`, 'entry_not_found');
}

/**
 * Builds the model a repo describes and loads its weights strictly; the model is returned in eval
 * mode. Throws when the architecture is not registered, the config is invalid, or the weights do
 * not match the model exactly.
 */
export async function fromHub<M extends Module = Module>(repo: string, opts: FromHubOptions): Promise<M> {
  const { client } = opts;
  const revision = opts.revision ?? 'main';
  const wanted = (p: string) =>
    p === 'config.json' ||
    p === 'model.safetensors.index.json' ||
    (p.endsWith('.safetensors') && !p.includes('/'));
  const { files } = await client.manifest(repo, revision);
  const present = new Set(files.map((f) => f.path).filter(wanted));
  if (!present.has('config.json'))
    throw new NotFoundError(`${repo}@${revision}: no config.json, so it cannot be built`, 'entry_not_found');
  const dir = await client.snapshot(repo, { revision, allow: wanted });
  const cfg = parseModelConfig(readFileSync(join(dir, 'config.json'), 'utf8'));
  const factory = lookup(opts.architectures ?? architectureRegistry(), cfg, repo);
  const model = factory(structuredClone(cfg.config)) as M;
  const stateDict = await readWeights(dir, present, repo, opts.device);
  model.loadStateDict(stateDict, { strict: true });
  model.eval();
  return model;
}

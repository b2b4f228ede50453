/**
 * Model cards: a repo's `README.md`, optionally opening with YAML front matter between `---` lines
 * (license, tags, datasets, metrics, base model, ...), then a markdown body. The hub parses the
 * front matter at commit time (refusing malformed YAML or wrongly typed known fields) and serves
 * it as `cardData` in the repo info, as Hugging Face does.
 */
import { parse, stringify } from 'yaml';
import { IntegrityError } from '../errors.js';

/** The front matter fields the hub knows; any other field is kept as is. */
export interface ModelCardData {
  /** SPDX-style license id (`mit`, `apache-2.0`, ...). */
  license?: string;
  /** Free-form tags. */
  tags?: string[];
  /** Datasets the model was trained or evaluated on. */
  datasets?: string[];
  /** Metric names, or `{ name, value, ... }` results. */
  metrics?: Array<string | Record<string, unknown>>;
  /** The model this one was fine-tuned from (`owner/name`), or several. */
  base_model?: string | string[];
  /** The library that loads the weights (`kindling`). */
  library_name?: string;
  /** Other fields. */
  [key: string]: unknown;
}

/** A parsed model card. */
export interface ModelCard {
  /** The YAML front matter (empty object when there is none). */
  data: ModelCardData;
  /** The markdown after the front matter. */
  body: string;
}

const FRONT = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function bad(msg: string): never {
  throw new IntegrityError(`invalid model card README.md: ${msg}`, 'invalid_model_card');
}

/** Checks the types of the known front matter fields; throws a 422 `invalid_model_card` error. */
export function checkCardData(data: unknown): ModelCardData {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    bad('front matter must be a YAML mapping');
  const d = data as Record<string, unknown>;
  if (d.license !== undefined && typeof d.license !== 'string') bad('license must be a string');
  if (d.library_name !== undefined && typeof d.library_name !== 'string')
    bad('library_name must be a string');
  if (d.tags !== undefined && !isStringArray(d.tags)) bad('tags must be a list of strings');
  if (d.datasets !== undefined && !isStringArray(d.datasets)) bad('datasets must be a list of strings');
  if (d.base_model !== undefined && typeof d.base_model !== 'string' && !isStringArray(d.base_model))
    bad('base_model must be a string or a list of strings');
  if (
    d.metrics !== undefined &&
    !(
      Array.isArray(d.metrics) &&
      d.metrics.every(
        (m) => typeof m === 'string' || (typeof m === 'object' && m !== null && !Array.isArray(m)),
      )
    )
  )
    bad('metrics must be a list of names or of mappings');
  return d as ModelCardData;
}

/** Parses a model card; a card without front matter has empty `data`. Throws on malformed YAML. */
export function parseModelCard(text: string): ModelCard {
  const m = FRONT.exec(text);
  if (!m) return { data: {}, body: text };
  let data: unknown;
  try {
    data = parse(m[1], { maxAliasCount: 100 }) ?? {};
  } catch (err) {
    bad(`front matter is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  return { data: checkCardData(data), body: text.slice(m[0].length) };
}

/** Writes a model card: YAML front matter (omitted when `data` is empty), then the body. */
export function renderModelCard(card: Partial<ModelCard>): string {
  const data = card.data ?? {};
  const body = card.body ?? '';
  if (Object.keys(data).length === 0) return body;
  return `---\n${stringify(data).trimEnd()}\n---\n${body}`;
}

/** A model repo's `config.json`: which library and architecture load it, and the constructor config. */
export interface ModelConfig {
  /** Library that owns the architecture (`kindling`). */
  library: string;
  /** Registered architecture name (`MLP`, `ResNet18`, ...). */
  architecture: string;
  /** Arguments of the architecture's constructor. */
  config: Record<string, unknown>;
}

/** Parses and checks a `config.json` body; throws a 422 `invalid_config` error. */
export function parseModelConfig(text: string): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IntegrityError(
      `invalid config.json: not valid JSON (${(err as Error).message})`,
      'invalid_config',
    );
  }
  const c = json as Record<string, unknown>;
  const problem =
    typeof json !== 'object' || json === null || Array.isArray(json)
      ? 'must be a JSON object'
      : typeof c.library !== 'string'
        ? "'library' must be a string"
        : typeof c.architecture !== 'string'
          ? "'architecture' must be a string"
          : typeof c.config !== 'object' || c.config === null || Array.isArray(c.config)
            ? "'config' must be an object"
            : null;
  if (problem) throw new IntegrityError(`invalid config.json: ${problem}`, 'invalid_config');
  return c as unknown as ModelConfig;
}

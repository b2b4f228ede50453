/**
 * The architecture registry: model builders by name, so a checkpoint's `config.json`
 * (`{ library, architecture, config }`) can be turned into a model without running remote code:
 *
 * ```ts
 * const build = architectures.get('resnet18');
 * const model = build?.({ numClasses: 10 });
 * ```
 *
 * A plain `Map` from name to factory. The built-in names follow torchvision's builders: `lenet5`,
 * `resnet18`, `resnet34`, `resnet50`, `vgg11`, `vgg11_bn`, `vgg13`, `vgg13_bn`, `vgg16`,
 * `vgg16_bn`, `vgg19`, `vgg19_bn`, `mobilenet_v2`, `vit` (every ViT hyperparameter in the config),
 * `vit_b_16`, `vit_b_32`, `vit_l_16`, `vit_l_32`, `vit_h_14`. Each factory takes the builder's
 * options object (camelCase keys, e.g. `{ numClasses: 10, widthMult: 0.5 }`). Other packages and
 * applications add their own with `registerArchitecture`.
 */
import { ValueError } from '@kindling/core';
import type { Module } from '@kindling/nn';
import { lenet5 } from './lenet.js';
import { mobilenetV2 } from './mobilenetv2.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';
import { vgg11, vgg11Bn, vgg13, vgg13Bn, vgg16, vgg16Bn, vgg19, vgg19Bn } from './vgg.js';
import { VisionTransformer, vitB16, vitB32, vitH14, vitL16, vitL32 } from './vit.js';

/** Builds a freshly initialised model from a JSON-like config (the builder's options). */
export type ArchitectureFactory = (config?: any) => Module;

/** Registered model builders by architecture name (see the module documentation for the built-ins). */
export const architectures: Map<string, ArchitectureFactory> = new Map<string, ArchitectureFactory>([
  ['lenet5', lenet5],
  ['resnet18', resnet18],
  ['resnet34', resnet34],
  ['resnet50', resnet50],
  ['vgg11', vgg11],
  ['vgg11_bn', vgg11Bn],
  ['vgg13', vgg13],
  ['vgg13_bn', vgg13Bn],
  ['vgg16', vgg16],
  ['vgg16_bn', vgg16Bn],
  ['vgg19', vgg19],
  ['vgg19_bn', vgg19Bn],
  ['mobilenet_v2', mobilenetV2],
  ['vit', (config?: any) => new VisionTransformer(config)],
  ['vit_b_16', vitB16],
  ['vit_b_32', vitB32],
  ['vit_l_16', vitL16],
  ['vit_l_32', vitL32],
  ['vit_h_14', vitH14],
]);

/**
 * Registers (or, with `{ override: true }`, replaces) an architecture under `name`. Registering a
 * taken name without `override` throws a ValueError, so two packages cannot silently shadow each other.
 */
export function registerArchitecture(
  name: string,
  factory: ArchitectureFactory,
  options?: { override?: boolean },
): void {
  if (typeof name !== 'string' || name === '')
    throw new ValueError(`registerArchitecture: name must be a non-empty string, got ${String(name)}`);
  if (typeof factory !== 'function')
    throw new ValueError(`registerArchitecture: factory for '${name}' must be a function`);
  if (architectures.has(name) && !options?.override)
    throw new ValueError(
      `registerArchitecture: '${name}' is already registered (pass { override: true } to replace it)`,
    );
  architectures.set(name, factory);
}

/**
 * Builds a model by architecture name; throws a ValueError listing the registered names when
 * `name` is unknown.
 */
export function createModel(name: string, config?: Record<string, unknown>): Module {
  const factory = architectures.get(name);
  if (!factory)
    throw new ValueError(
      `createModel: unknown architecture '${name}'; registered: ${[...architectures.keys()].join(', ')}`,
    );
  return factory(config);
}

/** Model architectures with torchvision-compatible state-dict keys, and the architecture registry. */
export * from './lenet.js';
export * from './resnet.js';
export * from './vgg.js';
export * from './mobilenetv2.js';
export * from './vit.js';
export * from './registry.js';

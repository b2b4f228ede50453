/** Functional transforms (`torchvision.transforms.functional`) on image tensors. */
export * from './color.js';
export * from './geometry.js';

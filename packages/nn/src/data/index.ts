/** Data loading (`torch.utils.data`). */
export { type Dataset, TensorDataset, Subset, randomSplit } from './dataset.js';
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';

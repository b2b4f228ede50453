/** Optimizers and learning-rate schedulers (`torch.optim`). */
export {
  Optimizer,
  type OptimizerDefaults,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type Params,
  type StateValue,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export {
  LRScheduler,
  type Scheduler,
  type SchedulerOptions,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  type LinearLROptions,
  LambdaLR,
  type LrLambda,
} from './lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export { SequentialLR } from './sequential.js';

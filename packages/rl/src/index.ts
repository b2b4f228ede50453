/**
 * @kindling/rl: Gymnasium-style environments, spaces, wrappers and vector environments.
 * @packageDocumentation
 */
/** Version of this package. */
export const VERSION = '0.0.0';

export { ResetNeededError, WorkerError } from './errors.js';
export { Rng, checkSeed } from './utils/rng.js';

export {
  Space,
  type SpaceDType,
  type NumericArray,
  type SpaceSeed,
  type Rejection,
  type SampleOf,
} from './spaces/space.js';
export { Box, type BoxOptions } from './spaces/box.js';
export { Discrete, type DiscreteOptions, type DiscreteSampleOptions } from './spaces/discrete.js';
export { MultiDiscrete, type MultiDiscreteOptions } from './spaces/multi-discrete.js';
export { MultiBinary, type MultiBinaryOptions } from './spaces/multi-binary.js';
export { Tuple, type TupleSample } from './spaces/tuple.js';
export { Dict, type DictSample } from './spaces/dict.js';
export { batchSpace, concatenate, createEmptyArray, iterate, toTensor } from './spaces/utils.js';

export {
  Env,
  type EnvMetadata,
  type EnvSpec,
  type Info,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from './core/env.js';
export { Wrapper, ObservationWrapper, ActionWrapper, RewardWrapper } from './core/wrapper.js';
export {
  register,
  make,
  spec,
  registry,
  registerBuiltins,
  type RegisterOptions,
  type MakeOptions,
  type EnvTypes,
} from './registry.js';

export { CartPoleEnv, type CartPoleOptions } from './envs/classic-control/cartpole.js';
export {
  MountainCarEnv,
  type MountainCarOptions,
  mountainHeight,
} from './envs/classic-control/mountain-car.js';
export { ContinuousMountainCarEnv } from './envs/classic-control/continuous-mountain-car.js';
export { PendulumEnv, type PendulumOptions, angleNormalize } from './envs/classic-control/pendulum.js';
export { AcrobotEnv, wrap } from './envs/classic-control/acrobot.js';
export { GridWorldEnv, type GridWorldOptions, type Transition, DEFAULT_GRID } from './envs/grid-world.js';
export { Canvas, type Color, type Point } from './render/canvas.js';

export { TimeLimit } from './wrappers/time-limit.js';
export { AutoReset } from './wrappers/autoreset.js';
export {
  RecordEpisodeStatistics,
  type EpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './wrappers/record-episode-statistics.js';
export { RunningMeanStd } from './wrappers/running-mean-std.js';
export {
  NormalizeObservation,
  NormalizeReward,
  type NormalizeObservationOptions,
  type NormalizeRewardOptions,
} from './wrappers/normalize.js';
export { ClipAction } from './wrappers/clip-action.js';
export { FrameStackObservation, type FrameStackOptions } from './wrappers/frame-stack.js';
export { TransformObservation, TransformReward } from './wrappers/transform.js';

export type {
  AutoresetMode,
  VectorEnvOptions,
  VectorResetArgs,
  VectorResetResult,
  VectorStepResult,
} from './vector/common.js';
export { SyncVectorEnv, makeVec } from './vector/sync.js';
export { AsyncVectorEnv, type AsyncVectorEnvOptions, type EnvRecipe } from './vector/async.js';

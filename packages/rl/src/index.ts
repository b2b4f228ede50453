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

export {
  computeGae,
  discountedReturns,
  type GaeInput,
  type GaeResult,
  type DiscountedReturnsOptions,
} from './buffers/gae.js';
export { SumTree, MinTree } from './buffers/sum-tree.js';
export {
  ReplayBuffer,
  type ReplayBufferOptions,
  type ReplayBatch,
  type ReplayTransition,
} from './buffers/replay-buffer.js';
export {
  PrioritizedReplayBuffer,
  type PrioritizedReplayBufferOptions,
} from './buffers/prioritized-replay-buffer.js';
export {
  RolloutBuffer,
  type RolloutBufferOptions,
  type RolloutStep,
  type RolloutBatch,
  type MinibatchOptions,
} from './buffers/rollout-buffer.js';

export type { Distribution, SampleOptions } from './distributions/distribution.js';
export { Categorical, type CategoricalParams } from './distributions/categorical.js';
export { Normal, DiagGaussian, type GaussianParams } from './distributions/normal.js';

export {
  linearSchedule,
  exponentialSchedule,
  constantSchedule,
  type Schedule,
} from './algorithms/schedules.js';
export {
  mlp,
  MlpActorCritic,
  QNetwork,
  type Activation,
  type MlpOptions,
  type ActorCriticPolicy,
  type ActionHead,
  type ActorCriticOutput,
  type MlpActorCriticOptions,
  type QNetworkOptions,
} from './algorithms/networks.js';
export {
  FeatureEncoder,
  type EnvSource,
  type EpisodeLog,
  type UpdateLog,
  type Callbacks,
  type CheckpointOptions,
  type TrainResult,
} from './algorithms/common.js';
export type { OnPolicyConfig } from './algorithms/on-policy.js';
export {
  ppo,
  ppoLoss,
  explainedVariance,
  type PPOConfig,
  type PPOLossInput,
  type PPOLossResult,
} from './algorithms/ppo.js';
export { a2c, type A2CConfig } from './algorithms/a2c.js';
export { reinforce, type ReinforceConfig } from './algorithms/reinforce.js';
export { dqn, type DQNConfig } from './algorithms/dqn.js';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './algorithms/evaluate.js';

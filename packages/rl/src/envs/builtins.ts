import type { RegisterOptions } from '../registry.js';
import { AcrobotEnv } from './classic-control/acrobot.js';
import { CartPoleEnv, type CartPoleOptions } from './classic-control/cartpole.js';
import { ContinuousMountainCarEnv } from './classic-control/continuous-mountain-car.js';
import { MountainCarEnv, type MountainCarOptions } from './classic-control/mountain-car.js';
import { PendulumEnv, type PendulumOptions } from './classic-control/pendulum.js';
import { type GridWorldOptions, GridWorldEnv } from './grid-world.js';

/**
 * The built-in environments with Gymnasium's ids, step limits and reward thresholds; the registry
 * registers them when it loads (no side-effect import needed, so bundlers cannot drop them).
 */
export const BUILTIN_ENVS: readonly (readonly [string, RegisterOptions])[] = [
  [
    'CartPole-v0',
    {
      entryPoint: (o) => new CartPoleEnv(o as CartPoleOptions),
      maxEpisodeSteps: 200,
      rewardThreshold: 195.0,
    },
  ],
  [
    'CartPole-v1',
    {
      entryPoint: (o) => new CartPoleEnv(o as CartPoleOptions),
      maxEpisodeSteps: 500,
      rewardThreshold: 475.0,
    },
  ],
  [
    'MountainCar-v0',
    {
      entryPoint: (o) => new MountainCarEnv(o as MountainCarOptions),
      maxEpisodeSteps: 200,
      rewardThreshold: -110.0,
    },
  ],
  [
    'MountainCarContinuous-v0',
    {
      entryPoint: (o) => new ContinuousMountainCarEnv(o as MountainCarOptions),
      maxEpisodeSteps: 999,
      rewardThreshold: 90.0,
    },
  ],
  ['Pendulum-v1', { entryPoint: (o) => new PendulumEnv(o as PendulumOptions), maxEpisodeSteps: 200 }],
  ['Acrobot-v1', { entryPoint: () => new AcrobotEnv(), maxEpisodeSteps: 500, rewardThreshold: -100.0 }],
  ['GridWorld-v0', { entryPoint: (o) => new GridWorldEnv(o as GridWorldOptions), maxEpisodeSteps: 100 }],
];

/**
 * A deterministic test environment: the observation counts down from `start` (option, default 3)
 * to 0, where the episode terminates; the reward is the action. Each reset increments `resets`
 * and puts it in the info, so autoreset behaviour is visible. Registered as `Countdown-v0`; the
 * AsyncVectorEnv tests load this module into workers with the `module` option.
 */
import { Box, Discrete, Env, register, type ResetResult, type StepResult } from '../../src/index.js';

export class CountdownEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>(0, 100, { shape: [1] });
  readonly actionSpace = new Discrete(3);
  readonly start: number;
  resets = 0;
  count = 0;

  constructor(options: { start?: number } = {}) {
    super();
    this.start = options.start ?? 3;
  }

  protected resetEnv(): ResetResult<Float32Array> {
    this.count = this.start;
    this.resets += 1;
    return { observation: Float32Array.of(this.count), info: { resets: this.resets } };
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    this.count -= 1;
    return {
      observation: Float32Array.of(this.count),
      reward: action,
      terminated: this.count === 0,
      truncated: false,
      info: { count: this.count },
    };
  }
}

register('Countdown-v0', {
  entryPoint: (o) => new CountdownEnv(o as { start?: number }),
  maxEpisodeSteps: 10,
});

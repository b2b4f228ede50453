/** A test environment that replays scripted observations, rewards and terminations. */
import { Box, Discrete, Env, type ResetResult, type StepResult } from '../../src/index.js';

export interface Script {
  /** Observation after reset, then after each step. */
  obs: number[][];
  /** Reward of each step. */
  rewards: number[];
  /** Termination flag of each step. */
  terminated: boolean[];
}

export class ScriptedEnv extends Env<Float32Array, number> {
  readonly observationSpace: Box<Float32Array>;
  readonly actionSpace = new Discrete(2);
  private t = 0;

  constructor(readonly script: Script) {
    super();
    this.observationSpace = new Box<Float32Array>(-1000, 1000, { shape: [script.obs[0].length] });
  }

  protected resetEnv(): ResetResult<Float32Array> {
    this.t = 0;
    return { observation: Float32Array.from(this.script.obs[0]), info: {} };
  }

  protected stepEnv(): StepResult<Float32Array> {
    const i = this.t++;
    return {
      observation: Float32Array.from(this.script.obs[i + 1]),
      reward: this.script.rewards[i],
      terminated: this.script.terminated[i],
      truncated: false,
      info: {},
    };
  }
}

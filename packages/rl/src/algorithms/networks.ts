/** Policy and value networks for the algorithms: MLPs, actor-critics, Q-networks. */
import { type Tensor, tensor, ValueError, zeros } from '@kindling/core';
import { init, Linear, Module, Parameter, ReLU, Sequential, Tanh } from '@kindling/nn';
import { Categorical } from '../distributions/categorical.js';
import type { Distribution } from '../distributions/distribution.js';
import { DiagGaussian } from '../distributions/normal.js';

/** Hidden-layer nonlinearity of the MLPs. */
export type Activation = 'tanh' | 'relu';

/** Options of `mlp`. */
export interface MlpOptions {
  /** Hidden nonlinearity (default `tanh`). */
  activation?: Activation;
  /**
   * Orthogonal initialisation as in CleanRL / the PPO implementation details: hidden weights with
   * gain √2, the output layer with `outputGain`, biases 0 (default true). Otherwise PyTorch's
   * default `Linear` initialisation.
   */
  orthogonalInit?: boolean;
  /** Gain of the output layer's orthogonal initialisation (default 1). */
  outputGain?: number;
}

/**
 * A multi-layer perceptron `sizes[0] → sizes[1] → ... → sizes[n-1]` with an activation after every
 * layer but the last.
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Sequential {
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isSafeInteger(s) || s <= 0))
    throw new ValueError(`mlp: expected at least two positive layer sizes, got [${String(sizes)}]`);
  const activation = options.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu')
    throw new ValueError(`mlp: activation must be 'tanh' or 'relu', got ${String(activation)}`);
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const layer = new Linear(sizes[i], sizes[i + 1]);
    const last = i + 2 === sizes.length;
    if (options.orthogonalInit ?? true) {
      init.orthogonal_(layer.weight, last ? (options.outputGain ?? 1) : Math.SQRT2);
      if (layer.bias) init.zeros_(layer.bias);
    }
    layers.push(layer);
    if (!last) layers.push(activation === 'tanh' ? new Tanh() : new ReLU());
  }
  return new Sequential(...layers);
}

/** What the on-policy algorithms (PPO, A2C, REINFORCE) need from a policy. */
export interface ActorCriticPolicy extends Module {
  /** The action distribution for a batch of observations `[B, ...]`. */
  distribution(observations: Tensor): Distribution;
  /** The state values `[B]` (a baseline; REINFORCE may ignore it). */
  value(observations: Tensor): Tensor;
}

/** The action head of an `MlpActorCritic`. */
export type ActionHead =
  | {
      /** A `Categorical` policy over `n` actions (a `Discrete(n)` action space). */
      type: 'discrete';
      /** Number of actions: the actor outputs `n` logits. */
      n: number;
    }
  | {
      /** A `DiagGaussian` policy (a 1-D `Box` action space). */
      type: 'continuous';
      /** Number of action dimensions: the actor outputs `dim` means. */
      dim: number;
    };

/** What `MlpActorCritic.forward` returns for a batch of observations. */
export interface ActorCriticOutput {
  /** The policy's action distribution, batch shape `[B]`. */
  distribution: Distribution;
  /** The critic's state values, `[B]`. */
  value: Tensor;
}

/** Options of `MlpActorCritic`. */
export interface MlpActorCriticOptions {
  /** Hidden layer sizes of both networks (default `[64, 64]`). */
  hiddenSizes?: readonly number[];
  /** Hidden sizes of the critic, when different. */
  criticHiddenSizes?: readonly number[];
  /** Hidden nonlinearity (default `tanh`). */
  activation?: Activation;
  /** CleanRL's orthogonal initialisation (actor output gain 0.01, critic 1; default true). */
  orthogonalInit?: boolean;
  /** Initial log standard deviation of continuous policies (default 0). */
  logStdInit?: number;
  /**
   * Squash the Gaussian's mean into `[low, high]` per action dimension with a scaled tanh
   * (`mid + halfRange · tanh(out)`), as Tianshou's bounded actors do. The sampled actions are still
   * Gaussian (and clipped by the algorithm); only the mean is kept inside the box, so it cannot
   * drift where every sample is clipped to the same action. Default: unbounded mean.
   */
  meanBounds?: {
    /** Lower bound of the mean per action dimension (`dim` finite numbers). */
    low: ArrayLike<number>;
    /** Upper bound per action dimension, each above its `low`. */
    high: ArrayLike<number>;
  };
}

/**
 * Separate actor and critic MLPs over flat observation features of size `inputSize`. Discrete
 * heads give `Categorical` logits; continuous heads give a `DiagGaussian` whose mean is the actor's
 * output and whose log standard deviation is a state-independent parameter `logStd` of shape
 * `[dim]` (state-dict keys `actor.*`, `critic.*`, `logStd`).
 */
export class MlpActorCritic extends Module implements ActorCriticPolicy {
  /** The policy network (logits or mean). */
  readonly actor: Sequential;
  /** The value network (one output). */
  readonly critic: Sequential;
  /** The learned log standard deviation of a continuous policy (null for a discrete one). */
  readonly logStd: Parameter | null;
  /** The action head. */
  readonly head: ActionHead;

  /** Builds the networks (parameters drawn from core's default generator: seed it with `manualSeed`). */
  constructor(inputSize: number, head: ActionHead, options: MlpActorCriticOptions = {}) {
    super();
    const hidden = [...(options.hiddenSizes ?? [64, 64])];
    const criticHidden = [...(options.criticHiddenSizes ?? hidden)];
    const out = head.type === 'discrete' ? head.n : head.dim;
    if (!Number.isSafeInteger(out) || out <= 0)
      throw new ValueError(`MlpActorCritic: the action head needs a positive size, got ${String(out)}`);
    const base = { activation: options.activation, orthogonalInit: options.orthogonalInit };
    this.actor = mlp([inputSize, ...hidden, out], { ...base, outputGain: 0.01 });
    this.critic = mlp([inputSize, ...criticHidden, 1], { ...base, outputGain: 1 });
    this.logStd =
      head.type === 'continuous' ? new Parameter(zeros([head.dim]).add(options.logStdInit ?? 0)) : null;
    this.head = head;
    const b = options.meanBounds;
    if (b !== undefined) {
      if (head.type !== 'continuous')
        throw new ValueError('MlpActorCritic: meanBounds only applies to continuous action heads');
      const lo = Array.from(b.low);
      const hi = Array.from(b.high);
      if (
        lo.length !== head.dim ||
        hi.length !== head.dim ||
        lo.some((l, i) => !(Number.isFinite(l) && Number.isFinite(hi[i]) && l < hi[i]))
      )
        throw new ValueError(`MlpActorCritic: meanBounds must give ${head.dim} finite pairs with low < high`);
      // Non-persistent buffers: they follow `to()` but stay out of the state dict (they come from the options).
      const opts = { persistent: false };
      this.registerBuffer(
        'meanMid',
        tensor(
          lo.map((l, i) => (l + hi[i]) / 2),
          { dtype: 'float32' },
        ),
        opts,
      );
      this.registerBuffer(
        'meanHalfRange',
        tensor(
          lo.map((l, i) => (hi[i] - l) / 2),
          { dtype: 'float32' },
        ),
        opts,
      );
    }
  }

  /** The action distribution for observations `[B, inputSize]`. */
  distribution(observations: Tensor): Distribution {
    const out = this.actor.call(observations);
    if (this.logStd === null) return new Categorical({ logits: out });
    const mid = this.getBuffer('meanMid');
    const half = this.getBuffer('meanHalfRange');
    const mean = mid && half ? out.tanh().mul(half).add(mid) : out;
    return new DiagGaussian({ mean, logStd: this.logStd });
  }

  /** The state values `[B]`. */
  value(observations: Tensor): Tensor {
    return this.critic.call(observations).squeeze(-1);
  }

  /** `{ distribution, value }` for a batch of observations. */
  forward(observations: Tensor): ActorCriticOutput {
    return { distribution: this.distribution(observations), value: this.value(observations) };
  }
}

/** Options of `QNetwork`. */
export interface QNetworkOptions {
  /** Hidden layer sizes (default `[120, 84]`, CleanRL's DQN). */
  hiddenSizes?: readonly number[];
  /** Hidden nonlinearity (default `relu`). */
  activation?: Activation;
  /** Orthogonal initialisation (default false: PyTorch's default `Linear` initialisation). */
  orthogonalInit?: boolean;
}

/** An MLP from observation features to one Q-value per discrete action (state-dict keys `net.*`). */
export class QNetwork extends Module {
  /** The MLP. */
  readonly net: Sequential;

  /** A Q-network for `numActions` actions over features of size `inputSize`. */
  constructor(inputSize: number, numActions: number, options: QNetworkOptions = {}) {
    super();
    this.net = mlp([inputSize, ...(options.hiddenSizes ?? [120, 84]), numActions], {
      activation: options.activation ?? 'relu',
      orthogonalInit: options.orthogonalInit ?? false,
    });
  }

  /** Q-values `[B, numActions]`. */
  forward(observations: Tensor): Tensor {
    return this.net.call(observations);
  }
}

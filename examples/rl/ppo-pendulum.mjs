// PPO (Gaussian policy, state-independent log-std) on Pendulum-v1: stops once the last 20
// episodes average above -300, within a budget of 300,000 environment steps, then evaluates the
// mean action for 20 episodes. Usage: node examples/rl/ppo-pendulum.mjs [--seed 1] [--steps 300000] [--no-stop]
import {
  evaluate,
  make,
  NormalizeObservation,
  ppo,
  RecordEpisodeStatistics,
  TransformObservation,
} from '../../packages/rl/dist/index.js';
import { meanOfLast, parseArgs, Progress } from './progress.mjs';

const args = parseArgs();
const seed = args.seed ?? 1;
const totalTimesteps = args.steps ?? 300_000;
const target = -300;
const window = 20;

// Observation normalisation is applied here (not with the `normalizeObservations` option) so that
// the evaluation can reuse the statistics of a training environment.
const clip = (o) => o.map((v) => Math.min(Math.max(v, -10), 10));
const trainEnvs = [];
const makeTrainEnv = () => {
  const env = new NormalizeObservation(new RecordEpisodeStatistics(make('Pendulum-v1')));
  trainEnvs.push(env);
  return new TransformObservation(env, clip, env.observationSpace);
};

const returns = [];
let solvedAt = null;
const progress = new Progress(totalTimesteps, `PPO Pendulum-v1 seed ${seed}`);
const result = await ppo({
  env: makeTrainEnv,
  seed,
  totalTimesteps,
  numEnvs: 4,
  numSteps: 512,
  learningRate: 1e-3,
  annealLr: true,
  gamma: 0.9,
  gaeLambda: 0.95,
  updateEpochs: 10,
  numMinibatches: 8,
  entCoef: 0,
  clipValueLoss: false,
  normalizeRewards: true,
  window,
  onEpisode: (ep) => {
    returns.push(ep.return);
    const mean = meanOfLast(returns, window);
    progress.update(
      ep.step,
      `episode ${returns.length} return ${ep.return.toFixed(1)} | mean(last ${window}) ${mean.toFixed(1)}`,
    );
    if (returns.length >= window && mean > target && solvedAt === null) {
      solvedAt = { step: ep.step, episode: returns.length, mean };
      if (!args['no-stop']) return false;
    }
  },
});
progress.update(result.steps, 'done', true);
progress.done();

const evalEnv = new NormalizeObservation(make('Pendulum-v1'));
evalEnv.obsRms.mean.set(trainEnvs[0].obsRms.mean);
evalEnv.obsRms.var.set(trainEnvs[0].obsRms.var);
evalEnv.updateRunningMean = false;
const ev = evaluate(result.model, new TransformObservation(evalEnv, clip, evalEnv.observationSpace), {
  episodes: 20,
  seed: 1000 + seed,
});
const summary = {
  algorithm: 'ppo',
  env: 'Pendulum-v1',
  seed,
  solved: solvedAt !== null,
  solvedAtStep: solvedAt?.step ?? null,
  solvedAtEpisode: solvedAt?.episode ?? null,
  finalMeanReturn: meanOfLast(returns, window),
  deterministicEvalMean: Number(ev.mean.toFixed(1)),
  steps: result.steps,
  episodes: returns.length,
  seconds: Number(result.elapsed.toFixed(1)),
};
console.log(JSON.stringify(summary));
process.exitCode = solvedAt !== null ? 0 : 1;

// PPO on CartPole-v1: stops once the last 20 consecutive episodes average at least 475, within a
// budget of 200,000 environment steps. Usage: node examples/rl/ppo-cartpole.mjs [--seed 1]
// [--steps 200000] [--no-stop] (train for the whole budget, for timing).
import { ppo } from '../../packages/rl/dist/index.js';
import { meanOfLast, parseArgs, Progress } from './progress.mjs';

const args = parseArgs();
const seed = args.seed ?? 1;
const totalTimesteps = args.steps ?? 200_000;
const target = 475;
const window = 20;

const returns = [];
let solvedAt = null;
const progress = new Progress(totalTimesteps, `PPO CartPole-v1 seed ${seed}`);
const result = await ppo({
  env: 'CartPole-v1',
  seed,
  totalTimesteps,
  numEnvs: 8,
  numSteps: 32,
  learningRate: 1e-3,
  annealLr: true,
  gamma: 0.98,
  gaeLambda: 0.8,
  updateEpochs: 20,
  numMinibatches: 1,
  entCoef: 0,
  window,
  onEpisode: (ep) => {
    returns.push(ep.return);
    const mean = meanOfLast(returns, window);
    progress.update(
      ep.step,
      `episode ${returns.length} return ${ep.return} | mean(last ${window}) ${mean.toFixed(1)}`,
    );
    if (returns.length >= window && mean >= target && solvedAt === null) {
      solvedAt = { step: ep.step, episode: returns.length, mean };
      if (!args['no-stop']) return false;
    }
  },
});
progress.update(result.steps, `done`, true);
progress.done();
const summary = {
  algorithm: 'ppo',
  env: 'CartPole-v1',
  seed,
  solved: solvedAt !== null,
  solvedAtStep: solvedAt?.step ?? null,
  solvedAtEpisode: solvedAt?.episode ?? null,
  finalMeanReturn: meanOfLast(returns, window),
  steps: result.steps,
  episodes: returns.length,
  seconds: Number(result.elapsed.toFixed(1)),
};
console.log(JSON.stringify(summary));
process.exitCode = solvedAt !== null ? 0 : 1;

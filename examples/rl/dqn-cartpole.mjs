// DQN on CartPole-v1 within a budget of 100,000 environment steps. Every 8 updates (2,048 steps)
// the greedy policy is evaluated for 10 episodes on a separate environment; once that reaches an
// average of 400, a fresh 20-episode evaluation confirms it and training stops. The mean of the
// last 20 training episodes (epsilon-greedy) is reported too.
// Usage: node examples/rl/dqn-cartpole.mjs [--seed 1] [--steps 100000] [--no-stop]
import { dqn, evaluate, linearSchedule } from '../../packages/rl/dist/index.js';
import { meanOfLast, parseArgs, Progress } from './progress.mjs';

const args = parseArgs();
const seed = args.seed ?? 1;
const totalTimesteps = args.steps ?? 100_000;
const target = 400;
const window = 20;

const returns = [];
let solvedAt = null;
let lastEval = Number.NaN;
let evalRound = 0;
const progress = new Progress(totalTimesteps, `DQN CartPole-v1 seed ${seed}`);
const status = (step) =>
  progress.update(
    step,
    `episode ${returns.length} return ${returns.at(-1) ?? '-'} | mean(last ${window}) ${meanOfLast(returns, window).toFixed(1)} | greedy eval ${lastEval.toFixed(1)}`,
  );
// Hyperparameters of rl-baselines3-zoo's DQN CartPole-v1 entry, with a 128-128 network.
const result = await dqn({
  env: 'CartPole-v1',
  seed,
  totalTimesteps,
  learningRate: 2.3e-3,
  bufferSize: 100_000,
  batchSize: 64,
  learningStarts: 1000,
  gamma: 0.99,
  targetNetworkFrequency: 10,
  trainFrequency: 256,
  gradientSteps: 128,
  epsilon: linearSchedule(1, 0.04, 8_000),
  networkOptions: { hiddenSizes: [128, 128] },
  doubleDqn: true,
  window,
  onUpdate: (log) => {
    if (log.update % 8 !== 0) return;
    evalRound += 1;
    lastEval = evaluate(log.model, 'CartPole-v1', { episodes: 10, seed: 10_000 * seed + evalRound }).mean;
    status(log.step);
    if (lastEval >= target && solvedAt === null) {
      const confirm = evaluate(log.model, 'CartPole-v1', { episodes: 20, seed: 999_999 - seed }).mean;
      if (confirm >= target) {
        solvedAt = { step: log.step, evalMean: confirm, trainMean: meanOfLast(returns, window) };
        if (!args['no-stop']) return false;
      }
    }
  },
  onEpisode: (ep) => {
    returns.push(ep.return);
    status(ep.step);
  },
});
progress.update(result.steps, 'done', true);
progress.done();
const summary = {
  algorithm: 'dqn',
  env: 'CartPole-v1',
  seed,
  solved: solvedAt !== null,
  solvedAtStep: solvedAt?.step ?? null,
  greedyEvalMean20:
    solvedAt?.evalMean ?? evaluate(result.model, 'CartPole-v1', { episodes: 20, seed: 999_999 - seed }).mean,
  trainMeanLast20AtSolve: solvedAt?.trainMean ?? null,
  finalTrainMeanLast20: meanOfLast(returns, window),
  steps: result.steps,
  episodes: returns.length,
  seconds: Number(result.elapsed.toFixed(1)),
};
console.log(JSON.stringify(summary));
process.exitCode = solvedAt !== null ? 0 : 1;

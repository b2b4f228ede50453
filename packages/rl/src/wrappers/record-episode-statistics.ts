import { ValueError } from '@kindling/core';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';

/** What `RecordEpisodeStatistics` puts in the info of an episode's last step. */
export interface EpisodeStatistics {
  /** The episode's return (sum of rewards). */
  r: number;
  /** The episode's length in steps. */
  l: number;
  /** Wall-clock seconds since the reset, rounded to microseconds. */
  t: number;
}

/** Options of `RecordEpisodeStatistics`. */
export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep (default 100). */
  bufferLength?: number;
  /** Info key of the statistics (default `episode`). */
  statsKey?: string;
}

function now(): number {
  return performance.now() / 1000;
}

/**
 * Tracks episode returns and lengths (`gymnasium.wrappers.RecordEpisodeStatistics`): at the end
 * of an episode the step's info gets `{ [statsKey]: { r, l, t } }`, and the recent returns,
 * lengths and times are kept in `returnQueue`, `lengthQueue` and `timeQueue`.
 */
export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  /** Completed episodes. */
  episodeCount = 0;
  /** Return of the current episode so far. */
  episodeReturns = 0;
  /** Length of the current episode so far. */
  episodeLengths = 0;
  /** Returns of the last `bufferLength` episodes. */
  readonly returnQueue: number[] = [];
  /** Lengths of the last `bufferLength` episodes. */
  readonly lengthQueue: number[] = [];
  /** Durations of the last `bufferLength` episodes (seconds). */
  readonly timeQueue: number[] = [];
  private readonly bufferLength: number;
  private readonly statsKey: string;
  private episodeStartTime = now();

  /** Records statistics of `env`'s episodes. */
  constructor(env: Env<O, A>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    this.bufferLength = options.bufferLength ?? 100;
    this.statsKey = options.statsKey ?? 'episode';
    if (!Number.isSafeInteger(this.bufferLength) || this.bufferLength <= 0)
      throw new ValueError(
        `RecordEpisodeStatistics: bufferLength must be a positive integer, got ${this.bufferLength}`,
      );
  }

  private push(queue: number[], v: number): void {
    queue.push(v);
    if (queue.length > this.bufferLength) queue.shift();
  }

  /** Steps and accumulates; adds the statistics to the info of an episode's last step. */
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturns += r.reward;
    this.episodeLengths += 1;
    if (!(r.terminated || r.truncated)) return r;
    if (this.statsKey in r.info)
      throw new ValueError(`RecordEpisodeStatistics: the info already has a key ${this.statsKey}`);
    const t = Math.round((now() - this.episodeStartTime) * 1e6) / 1e6;
    const stats: EpisodeStatistics = { r: this.episodeReturns, l: this.episodeLengths, t };
    this.push(this.timeQueue, t);
    this.push(this.returnQueue, this.episodeReturns);
    this.push(this.lengthQueue, this.episodeLengths);
    this.episodeCount += 1;
    this.episodeStartTime = now();
    return { ...r, info: { ...r.info, [this.statsKey]: stats } };
  }

  /** Resets and starts a new episode's statistics. */
  override reset(args: ResetArgs = {}): ResetResult<O> {
    const r = this.env.reset(args);
    this.episodeStartTime = now();
    this.episodeReturns = 0;
    this.episodeLengths = 0;
    return r;
  }
}

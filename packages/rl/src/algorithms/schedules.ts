/** Schedules of a value over training steps: exploration rates, learning-rate fractions, β of prioritized replay. */
import { ValueError } from '@kindling/core';

/** A value as a function of the step count (0, 1, 2, ...). */
export type Schedule = (step: number) => number;

function checkFinite(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: ${name} must be a finite number, got ${String(v)}`);
}

/**
 * Moves linearly from `start` to `end` over `duration` steps, then stays at `end` (DQN's epsilon:
 * `linearSchedule(1, 0.05, 0.5 * totalSteps)`).
 */
export function linearSchedule(start: number, end: number, duration: number): Schedule {
  const op = 'linearSchedule';
  checkFinite(op, 'start', start);
  checkFinite(op, 'end', end);
  if (typeof duration !== 'number' || !(duration >= 0))
    throw new ValueError(`${op}: duration must be a number >= 0, got ${String(duration)}`);
  return (step) => {
    if (duration === 0 || step >= duration) return end;
    return start + (Math.max(0, step) / duration) * (end - start);
  };
}

/**
 * Decays geometrically from `start` towards `end`: `end + (start - end) · decay^step` (with
 * `0 < decay ≤ 1`; e.g. `exponentialSchedule(1, 0.01, 0.999)`).
 */
export function exponentialSchedule(start: number, end: number, decay: number): Schedule {
  const op = 'exponentialSchedule';
  checkFinite(op, 'start', start);
  checkFinite(op, 'end', end);
  if (typeof decay !== 'number' || !(decay > 0 && decay <= 1))
    throw new ValueError(`${op}: decay must be in (0, 1], got ${String(decay)}`);
  return (step) => end + (start - end) * decay ** Math.max(0, step);
}

/** A constant. */
export function constantSchedule(value: number): Schedule {
  checkFinite('constantSchedule', 'value', value);
  return () => value;
}

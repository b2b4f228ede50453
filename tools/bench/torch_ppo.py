"""PyTorch reference for examples/rl/ppo-cartpole.mjs: the same PPO run on CartPole-v1, for wall time.

Everything matches the Kindling example (packages/rl's `ppo` with the example's config):
  * CartPole-v1 dynamics as Gymnasium's cartpole.py (float64 Euler, tau 0.02, terminate at
    |x| > 2.4 or |theta| > 12 deg, reward 1, reset U(-0.05, 0.05)^4, 500-step TimeLimit), written
    in numpy and stepped as 8 environments with same-step autoreset;
  * actor 4-64-64-2 and critic 4-64-64-1 (tanh), orthogonal init (gain sqrt 2, actor head 0.01,
    critic head 1, zero biases); Adam(lr 1e-3 annealed linearly to 0, eps 1e-5);
  * 32 steps x 8 envs per rollout, GAE(gamma 0.98, lambda 0.8) with time-limit truncations
    bootstrapped from V(final observation), 20 epochs of 1 minibatch (256), clip 0.2, clipped
    value loss, entropy coefficient 0, value coefficient 0.5, advantage normalisation, grad-norm
    clip 0.5.
Random streams differ (numpy / torch vs Kindling's Philox), so learning curves match in
distribution, not step for step.

Usage: /usr/bin/python3 tools/bench/torch_ppo.py [--seed 1] [--steps 200000] [--no-stop] [--threads 1]
Prints one JSON line: {"torch", "threads", "seed", "solved", "solvedAtStep", "steps", "seconds", ...}.
Without --no-stop it stops once the last 20 episodes average >= 475 (as the example does).
"""
import argparse
import json
import math
import os
import time

# One core, like Kindling's kernels: besides torch.set_num_threads(1) below, keep numpy's BLAS and
# OpenMP pools to one thread (otherwise the process spins on a second core). Must precede the imports.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np
import torch
from torch import nn


class CartPoleVec:
    """N CartPole-v1 environments with same-step autoreset (returns final observations)."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    max_steps = 500

    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.total_mass = self.masspole + self.masscart
        self.polemass_length = self.masspole * self.length
        self.state = self.rng.uniform(-0.05, 0.05, size=(n, 4))
        self.steps = np.zeros(n, dtype=np.int64)

    def obs(self):
        return self.state.astype(np.float32)

    def step(self, actions):
        x, x_dot, theta, theta_dot = self.state.T
        force = np.where(actions == 1, self.force_mag, -self.force_mag)
        costheta, sintheta = np.cos(theta), np.sin(theta)
        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = np.stack([x, x_dot, theta, theta_dot], axis=1)
        self.steps += 1
        terminated = (np.abs(x) > self.x_threshold) | (np.abs(theta) > self.theta_threshold)
        truncated = (self.steps >= self.max_steps) & ~terminated
        rewards = np.ones(self.n)
        final_obs = self.obs()
        done = terminated | truncated
        if done.any():
            k = int(done.sum())
            self.state[done] = self.rng.uniform(-0.05, 0.05, size=(k, 4))
            self.steps[done] = 0
        return self.obs(), rewards, terminated, truncated, final_obs


def layer(i, o, gain):
    l = nn.Linear(i, o)
    nn.init.orthogonal_(l.weight, gain)
    nn.init.zeros_(l.bias)
    return l


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        g = math.sqrt(2)
        self.actor = nn.Sequential(layer(4, 64, g), nn.Tanh(), layer(64, 64, g), nn.Tanh(), layer(64, 2, 0.01))
        self.critic = nn.Sequential(layer(4, 64, g), nn.Tanh(), layer(64, 64, g), nn.Tanh(), layer(64, 1, 1.0))

    def value(self, x):
        return self.critic(x).squeeze(-1)

    def dist(self, x):
        return torch.distributions.Categorical(logits=self.actor(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-stop", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    num_envs, num_steps, epochs = 8, 32, 20
    gamma, lam, clip, ent_coef, vf_coef, max_grad, lr = 0.98, 0.8, 0.2, 0.0, 0.5, 0.5, 1e-3
    batch = num_envs * num_steps
    num_updates = math.ceil(a.steps / batch)

    envs = CartPoleVec(num_envs, a.seed)
    agent = Agent()
    opt = torch.optim.Adam(agent.parameters(), lr=lr, eps=1e-5)
    obs_buf = torch.zeros((num_steps, num_envs, 4))
    act_buf = torch.zeros((num_steps, num_envs), dtype=torch.long)
    logp_buf = torch.zeros((num_steps, num_envs))
    rew_buf = np.zeros((num_steps, num_envs))
    val_buf = np.zeros((num_steps, num_envs))
    term_buf = np.zeros((num_steps, num_envs), dtype=bool)
    trunc_buf = np.zeros((num_steps, num_envs), dtype=bool)
    truncv_buf = np.zeros((num_steps, num_envs))

    ep_ret = np.zeros(num_envs)
    returns = []
    solved_at = None
    step = 0
    start = time.perf_counter()
    obs = torch.from_numpy(envs.obs())
    stop = False
    for update in range(num_updates):
        opt.param_groups[0]["lr"] = lr * (1 - update / num_updates)
        for t in range(num_steps):
            with torch.no_grad():
                d = agent.dist(obs)
                action = d.sample()
                logp_buf[t] = d.log_prob(action)
                val_buf[t] = agent.value(obs).numpy()
            obs_buf[t] = obs
            act_buf[t] = action
            nobs, r, term, trunc, final_obs = envs.step(action.numpy())
            step += num_envs
            rew_buf[t], term_buf[t], trunc_buf[t] = r, term, trunc
            truncv_buf[t] = 0
            if trunc.any():
                with torch.no_grad():
                    truncv_buf[t, trunc] = agent.value(torch.from_numpy(final_obs[trunc])).numpy()
            ep_ret += r
            for i in np.nonzero(term | trunc)[0]:
                returns.append(ep_ret[i])
                ep_ret[i] = 0
                if solved_at is None and len(returns) >= 20 and np.mean(returns[-20:]) >= 475:
                    solved_at = step
                    stop = not a.no_stop
            obs = torch.from_numpy(nobs)
            if stop:
                break
        if stop:
            break
        with torch.no_grad():
            last_v = agent.value(obs).numpy()
        adv = np.zeros((num_steps, num_envs))
        nxt = np.zeros(num_envs)
        for t in reversed(range(num_steps)):
            next_v = last_v if t == num_steps - 1 else val_buf[t + 1]
            next_v = np.where(trunc_buf[t], truncv_buf[t], next_v)
            next_v = np.where(term_buf[t], 0.0, next_v)
            delta = rew_buf[t] + gamma * next_v - val_buf[t]
            done = term_buf[t] | trunc_buf[t]
            nxt = delta + gamma * lam * np.where(done, 0.0, nxt)
            adv[t] = nxt
        ret = adv + val_buf
        b_obs = obs_buf.reshape(-1, 4)
        b_act = act_buf.reshape(-1)
        b_logp = logp_buf.reshape(-1)
        b_adv = torch.tensor(adv.reshape(-1), dtype=torch.float32)
        b_ret = torch.tensor(ret.reshape(-1), dtype=torch.float32)
        b_val = torch.tensor(val_buf.reshape(-1), dtype=torch.float32)
        for _ in range(epochs):
            idx = torch.randperm(batch)  # one minibatch of the whole rollout, shuffled
            mb_adv = b_adv[idx]
            mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
            d = agent.dist(b_obs[idx])
            newlogp = d.log_prob(b_act[idx])
            ratio = (newlogp - b_logp[idx]).exp()
            pg = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - clip, 1 + clip)).mean()
            newv = agent.value(b_obs[idx])
            v_unc = (newv - b_ret[idx]) ** 2
            v_clip = (b_val[idx] + (newv - b_val[idx]).clamp(-clip, clip) - b_ret[idx]) ** 2
            v_loss = 0.5 * torch.max(v_unc, v_clip).mean()
            loss = pg - ent_coef * d.entropy().mean() + vf_coef * v_loss
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), max_grad)
            opt.step()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "torch": torch.__version__,
        "threads": a.threads,
        "seed": a.seed,
        "solved": solved_at is not None,
        "solvedAtStep": solved_at,
        "finalMeanReturn": float(np.mean(returns[-20:])) if returns else None,
        "steps": step,
        "episodes": len(returns),
        "seconds": round(seconds, 1),
    }))


if __name__ == "__main__":
    main()

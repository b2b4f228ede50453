"""Reference trajectories of Gymnasium 1.x's classic-control environments for @kindling/rl.

Gymnasium is not installed here, so this script re-implements the published step equations of
gymnasium/envs/classic_control/{cartpole,mountain_car,continuous_mountain_car,pendulum,acrobot}.py
(Gymnasium 1.0/1.1) independently, with numpy float64 arithmetic and float32 observations exactly
where Gymnasium has them:

- CartPole: state float64 (np.cos/np.sin), explicit Euler (tau 0.02), observation float32.
- MountainCar: state float64, math.cos, np.clip; observation float32.
- MountainCarContinuous: the state is stored as float32 after every step; the step itself runs in
  float64 (what NumPy 1.x promotion gives for np.float32 scalars mixed with Python floats; written
  here with explicit float() so the result does not depend on the numpy version).
- Pendulum: state float64, the clipped torque keeps the action's dtype (float32 actions), costs with
  angle_normalize ((x + pi) % (2 pi) - pi); observation float32 [cos, sin, thdot].
- Acrobot: one RK4 step of the "book" dynamics over [0, 0.2] in float64, wrap/bound, float32 obs.

Each case starts from a set state (what `env.state = ...` does in the tests), applies a fixed action
sequence and records, per step, the observation, reward, terminated flag and the float64 state.
Episodes stop at termination. Run: /usr/bin/python3 tools/golden/rl_classic_control.py
"""
import json
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "packages", "rl", "test", "fixtures", "rl_classic_control.json")


def f32list(a):
    return [float(np.float32(v)) for v in a]


# ----------------------------------------------------------------------------------------------
# CartPole-v1
class CartPole:
    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, state, sutton_barto_reward=False, integrator="euler"):
        self.state = np.array(state, dtype=np.float64)
        self.sutton_barto = sutton_barto_reward
        self.integrator = integrator

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        temp = (force + self.polemass_length * np.square(theta_dot) * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * np.square(costheta) / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        if self.integrator == "euler":
            x = x + self.tau * x_dot
            x_dot = x_dot + self.tau * xacc
            theta = theta + self.tau * theta_dot
            theta_dot = theta_dot + self.tau * thetaacc
        else:
            x_dot = x_dot + self.tau * xacc
            x = x + self.tau * x_dot
            theta_dot = theta_dot + self.tau * thetaacc
            theta = theta + self.tau * theta_dot
        self.state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
        terminated = bool(
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        )
        if not terminated:
            reward = 0.0 if self.sutton_barto else 1.0
        else:
            reward = -1.0 if self.sutton_barto else 1.0
        return np.array(self.state, dtype=np.float32), reward, terminated


# ----------------------------------------------------------------------------------------------
# MountainCar-v0
class MountainCar:
    min_position = -1.2
    max_position = 0.6
    max_speed = 0.07
    goal_position = 0.5
    force = 0.001
    gravity = 0.0025

    def __init__(self, state, goal_velocity=0):
        self.state = np.array(state, dtype=np.float64)
        self.goal_velocity = goal_velocity

    def step(self, action):
        position, velocity = self.state
        velocity += (action - 1) * self.force + math.cos(3 * position) * (-self.gravity)
        velocity = np.clip(velocity, -self.max_speed, self.max_speed)
        position += velocity
        position = np.clip(position, self.min_position, self.max_position)
        if position == self.min_position and velocity < 0:
            velocity = 0
        terminated = bool(position >= self.goal_position and velocity >= self.goal_velocity)
        self.state = np.array((position, velocity), dtype=np.float64)
        return np.array(self.state, dtype=np.float32), -1.0, terminated


# ----------------------------------------------------------------------------------------------
# MountainCarContinuous-v0
class ContinuousMountainCar:
    min_action = -1.0
    max_action = 1.0
    min_position = -1.2
    max_position = 0.6
    max_speed = 0.07
    goal_position = 0.45
    power = 0.0015

    def __init__(self, state, goal_velocity=0):
        self.state = np.array(state, dtype=np.float64)  # a set state is used as given
        self.goal_velocity = goal_velocity

    def step(self, action):
        a = float(np.float32(action[0]))  # float32 action, promoted to float64 (NumPy 1.x)
        position = float(self.state[0])
        velocity = float(self.state[1])
        force = min(max(a, self.min_action), self.max_action)
        velocity += force * self.power - 0.0025 * math.cos(3 * position)
        if velocity > self.max_speed:
            velocity = self.max_speed
        if velocity < -self.max_speed:
            velocity = -self.max_speed
        position += velocity
        if position > self.max_position:
            position = self.max_position
        if position < self.min_position:
            position = self.min_position
        if position == self.min_position and velocity < 0:
            velocity = 0
        terminated = bool(position >= self.goal_position and velocity >= self.goal_velocity)
        reward = 0
        if terminated:
            reward = 100.0
        reward -= math.pow(a, 2) * 0.1
        self.state = np.array([position, velocity], dtype=np.float32).astype(np.float64)
        return self.state.astype(np.float32), reward, terminated


# ----------------------------------------------------------------------------------------------
# Pendulum-v1
def angle_normalize(x):
    return ((x + np.pi) % (2 * np.pi)) - np.pi


class Pendulum:
    max_speed = 8
    max_torque = 2.0
    dt = 0.05
    m = 1.0
    l = 1.0

    def __init__(self, state, g=10.0):
        self.state = np.array(state, dtype=np.float64)
        self.g = g

    def obs(self):
        theta, thetadot = self.state
        return np.array([np.cos(theta), np.sin(theta), thetadot], dtype=np.float32)

    def step(self, action):
        th, thdot = self.state
        g, m, l, dt = self.g, self.m, self.l, self.dt
        u = float(np.clip(np.asarray(action, dtype=np.float32), -self.max_torque, self.max_torque)[0])
        costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
        newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
        newthdot = np.clip(newthdot, -self.max_speed, self.max_speed)
        newth = th + newthdot * dt
        self.state = np.array([newth, newthdot], dtype=np.float64)
        return self.obs(), float(-costs), False


# ----------------------------------------------------------------------------------------------
# Acrobot-v1
def wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


def bound(x, m, M):
    return min(max(x, m), M)


def rk4(derivs, y0, t):
    yout = np.zeros((len(t), len(y0)), np.float64)
    yout[0] = y0
    for i in np.arange(len(t) - 1):
        this = t[i]
        dt = t[i + 1] - this
        dt2 = dt / 2.0
        y0 = yout[i]
        k1 = np.asarray(derivs(y0))
        k2 = np.asarray(derivs(y0 + dt2 * k1))
        k3 = np.asarray(derivs(y0 + dt2 * k2))
        k4 = np.asarray(derivs(y0 + dt * k3))
        yout[i + 1] = y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return yout[-1][:4]


class Acrobot:
    dt = 0.2
    LINK_LENGTH_1 = 1.0
    LINK_LENGTH_2 = 1.0
    LINK_MASS_1 = 1.0
    LINK_MASS_2 = 1.0
    LINK_COM_POS_1 = 0.5
    LINK_COM_POS_2 = 0.5
    LINK_MOI = 1.0
    MAX_VEL_1 = 4 * np.pi
    MAX_VEL_2 = 9 * np.pi
    AVAIL_TORQUE = [-1.0, 0.0, +1]

    def __init__(self, state):
        self.state = np.array(state, dtype=np.float64)

    def obs(self):
        s = self.state
        return np.array([np.cos(s[0]), np.sin(s[0]), np.cos(s[1]), np.sin(s[1]), s[2], s[3]], dtype=np.float32)

    def terminal(self):
        s = self.state
        return bool(-np.cos(s[0]) - np.cos(s[1] + s[0]) > 1.0)

    def dsdt(self, s_augmented):
        m1, m2 = self.LINK_MASS_1, self.LINK_MASS_2
        l1 = self.LINK_LENGTH_1
        lc1, lc2 = self.LINK_COM_POS_1, self.LINK_COM_POS_2
        I1 = I2 = self.LINK_MOI
        g = 9.8
        a = s_augmented[-1]
        s = s_augmented[:-1]
        theta1, theta2, dtheta1, dtheta2 = s[0], s[1], s[2], s[3]
        cos, sin, pi = np.cos, np.sin, np.pi
        d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
        d2 = m2 * (lc2**2 + l1 * lc2 * cos(theta2)) + I2
        phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0)
        phi1 = (
            -m2 * l1 * lc2 * dtheta2**2 * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2)
            + phi2
        )
        ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * sin(theta2) - phi2) / (
            m2 * lc2**2 + I2 - d2**2 / d1
        )
        ddtheta1 = -(d1 * ddtheta2 + phi1) / d1
        return dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0

    def step(self, a):
        torque = self.AVAIL_TORQUE[a]
        s_augmented = np.append(self.state, torque)
        ns = rk4(self.dsdt, s_augmented, [0, self.dt])
        ns[0] = wrap(ns[0], -np.pi, np.pi)
        ns[1] = wrap(ns[1], -np.pi, np.pi)
        ns[2] = bound(ns[2], -self.MAX_VEL_1, self.MAX_VEL_1)
        ns[3] = bound(ns[3], -self.MAX_VEL_2, self.MAX_VEL_2)
        self.state = ns
        terminated = self.terminal()
        reward = -1.0 if not terminated else 0.0
        return self.obs(), reward, terminated


# ----------------------------------------------------------------------------------------------
def run(env_id, env, state, actions, options=None, attrs=None):
    steps = []
    for a in actions:
        obs, reward, terminated = env.step(a)
        steps.append(
            {
                "obs": [float(v) for v in obs],
                "reward": float(reward),
                "terminated": terminated,
                "state": [float(v) for v in env.state],
            }
        )
        if terminated:
            break
    return {
        "env": env_id,
        "options": options or {},
        "attrs": attrs or {},
        "state": [float(v) for v in state],
        "actions": [a if isinstance(a, int) else f32list(a) for a in actions[: len(steps)]],
        "steps": steps,
    }


def main():
    rng = np.random.default_rng(20240601)
    cases = {}

    def disc(n, k):
        return [int(v) for v in rng.integers(0, n, size=k)]

    def cont(lo, hi, k):
        return [[float(np.float32(v))] for v in rng.uniform(lo, hi, size=k)]

    # CartPole
    s = [0.01, -0.02, 0.03, 0.04]
    cases["cartpole_random"] = run("CartPole-v1", CartPole(s), s, disc(2, 200))
    # a linear controller that balances for the whole run (kept short: the upright pole is unstable,
    # so one-ulp differences between libm's sin/cos implementations grow ~9% per step)
    s = [0.01, -0.02, 0.03, 0.04]
    env = CartPole(s)
    actions = []
    for _ in range(150):
        x, x_dot, theta, theta_dot = env.state
        a = 1 if theta + 0.3 * theta_dot + 0.01 * x + 0.05 * x_dot > 0 else 0
        actions.append(a)
        env.step(a)
    cases["cartpole_balanced"] = run("CartPole-v1", CartPole(s), s, actions)
    s = [0.0, 0.0, 0.1, 0.5]
    cases["cartpole_falls_right"] = run("CartPole-v1", CartPole(s), s, [1] * 100)
    s = [0.0, 0.3, -0.05, -0.4]
    cases["cartpole_falls_left"] = run("CartPole-v1", CartPole(s), s, [0] * 100)
    s = [2.3, 1.5, 0.0, 0.0]
    cases["cartpole_leaves_track"] = run("CartPole-v1", CartPole(s), s, [1] * 50)
    s = [-0.02, 0.01, 0.02, -0.03]
    cases["cartpole_sutton_barto"] = run(
        "CartPole-v1", CartPole(s, sutton_barto_reward=True), s, [1] * 200, options={"suttonBartoReward": True}
    )
    s = [0.01, -0.02, 0.03, 0.04]
    cases["cartpole_semi_implicit"] = run(
        "CartPole-v1",
        CartPole(s, integrator="semi-implicit euler"),
        s,
        disc(2, 100),
        attrs={"kinematicsIntegrator": "semi-implicit euler"},
    )

    # MountainCar
    s = [-0.5, 0.0]
    cases["mountaincar_random"] = run("MountainCar-v0", MountainCar(s), s, disc(3, 200))
    # energy pumping: push in the direction of the velocity until the flag
    s = [-0.52, 0.0]
    env = MountainCar(s)
    actions = []
    for _ in range(200):
        a = 2 if env.state[1] >= 0 else 0
        actions.append(a)
        if env.step(a)[2]:
            break
    cases["mountaincar_goal"] = run("MountainCar-v0", MountainCar(s), s, actions)
    s = [-1.15, -0.06]
    cases["mountaincar_left_wall"] = run("MountainCar-v0", MountainCar(s), s, [0, 0, 0, 1, 2, 2])
    s = [0.45, 0.01]
    cases["mountaincar_goal_velocity"] = run(
        "MountainCar-v0", MountainCar(s, goal_velocity=0.03), s, [2] * 30, options={"goalVelocity": 0.03}
    )

    # MountainCarContinuous
    s = [-0.5, 0.0]
    cases["mountaincar_continuous_random"] = run(
        "MountainCarContinuous-v0", ContinuousMountainCar(s), s, cont(-1, 1, 300)
    )
    s = [0.4, 0.06]
    cases["mountaincar_continuous_goal"] = run(
        "MountainCarContinuous-v0", ContinuousMountainCar(s), s, [[1.0]] * 5
    )
    s = [-1.18, -0.05]
    cases["mountaincar_continuous_left_wall"] = run(
        "MountainCarContinuous-v0", ContinuousMountainCar(s), s, [[-1.0], [-0.5], [0.25], [1.0]]
    )
    s = [-0.4, 0.069]
    cases["mountaincar_continuous_speed_limit"] = run(
        "MountainCarContinuous-v0", ContinuousMountainCar(s), s, [[1.0]] * 10
    )

    # Pendulum
    s = [math.pi - 0.1, 0.5]
    cases["pendulum_random"] = run("Pendulum-v1", Pendulum(s), s, cont(-2, 2, 200))
    s = [7.5, -3.0]
    cases["pendulum_wrapped_angle"] = run("Pendulum-v1", Pendulum(s), s, cont(-2, 2, 50))
    s = [-9.0, 7.9]
    cases["pendulum_speed_limit"] = run("Pendulum-v1", Pendulum(s), s, [[2.0]] * 40)
    s = [0.3, -0.2]
    cases["pendulum_gravity"] = run("Pendulum-v1", Pendulum(s, g=9.81), s, cont(-2, 2, 50), options={"g": 9.81})

    # Acrobot
    s = [float(np.float32(v)) for v in [0.05, -0.03, 0.02, 0.01]]  # float32 start, as after reset
    cases["acrobot_random"] = run("Acrobot-v1", Acrobot(s), s, disc(3, 100))
    s = [1.0, -2.0, 10.0, 25.0]
    cases["acrobot_fast"] = run("Acrobot-v1", Acrobot(s), s, disc(3, 40))
    s = [0.01, 0.0, 0.0, 0.0]
    # a bang-bang swing-up that reaches the line
    env = Acrobot(s)
    actions = []
    for _ in range(500):
        a = 2 if env.state[2] + 0.5 * env.state[3] >= 0 else 0
        actions.append(a)
        if env.step(a)[2]:
            break
    cases["acrobot_swing_up"] = run("Acrobot-v1", Acrobot(s), s, actions)
    s = [math.pi - 0.2, 0.1, 0.0, 0.0]
    cases["acrobot_terminal"] = run("Acrobot-v1", Acrobot(s), s, [1, 1])

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(
            {"generator": "tools/golden/rl_classic_control.py", "numpy": np.__version__, "cases": cases},
            f,
            separators=(",", ":"),
        )
    for k, c in cases.items():
        print(f"{k}: {len(c['steps'])} steps, terminated={c['steps'][-1]['terminated']}")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()

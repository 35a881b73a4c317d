"""arch2vec-RL: REINFORCE in a continuous embedding space (Yan et al. 2020, reference loop).

The state is the embedding of the last queried architecture. An LSTM cell (``D -> hidden``)
followed by a linear layer (``hidden -> D``) outputs the mean of a Gaussian action with identity
covariance; the environment answers with the nearest (L2) *unvisited* row of the encoding table.
Rewards are ``y - baseline`` (the reference uses 0.4 on NB201, 0.95 on NB101). After every
episode of ``episode_length`` steps the policy takes one Adam step on
``mean_t(-log pi(a_t | s_<=t) * r_t)`` (the reference's returns are the undiscounted per-step
rewards) and the LSTM state is reset; the embedding state carries over. The first query is a
uniformly random row (the reference's initial state) and counts against the budget.

Any ``[N, D]`` encoding table works (arch2vec's 16-d embeddings, CATE's, or hand-made ones).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnas.search import base, registry
from jaxnas.search import problem as P


def lstm_init(key, d_in: int, hidden: int) -> dict:
    """PyTorch ``LSTMCell`` + ``Linear`` initialisation (uniform ``+-1/sqrt(fan)``)."""
    k = jax.random.split(key, 6)
    s = 1.0 / jnp.sqrt(hidden)
    u = lambda kk, shape, b: jax.random.uniform(kk, shape, minval=-b, maxval=b)  # noqa: E731
    return {
        "wx": u(k[0], (d_in, 4 * hidden), s),
        "wh": u(k[1], (hidden, 4 * hidden), s),
        "b": u(k[2], (4 * hidden,), s) + u(k[3], (4 * hidden,), s),
        "out_w": u(k[4], (hidden, d_in), s),
        "out_b": u(k[5], (d_in,), s),
    }


def lstm_step(params, carry, x):
    """One LSTM cell step (gates in PyTorch's i, f, g, o order); returns the new carry and the
    action mean ``[D]``."""
    h, c = carry
    z = x @ params["wx"] + h @ params["wh"] + params["b"]
    i, f, g, o = jnp.split(z, 4)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    return (h, c), h @ params["out_w"] + params["out_b"]


class EmbeddingRLState(NamedTuple):
    history: P.History
    params: dict
    opt_state: optax.OptState
    carry: tuple  # LSTM (h, c)
    current: jax.Array  # int32 [], row of the current state
    states: jax.Array  # [L, D] episode states
    actions: jax.Array  # [L, D] episode actions
    rewards: jax.Array  # [L]
    pos: jax.Array  # int32 [], position in the episode
    count: jax.Array  # int32 [], queries told


@registry.register("arch2vec_rl")
def arch2vec_rl(
    episode_length: int = 16,
    hidden: int = 128,
    learning_rate: float = 1e-2,
    baseline: float = 0.4,
    action_std: float = 1.0,
) -> base.Searcher:
    """arch2vec's REINFORCE search over the rows of ``problem.x`` (see module docstring)."""
    opt = optax.adam(learning_rate)

    def init(key, problem, max_queries):
        d = problem.x.shape[1]
        params = lstm_init(key, d, hidden)
        zh = jnp.zeros(hidden)
        return EmbeddingRLState(
            P.history_init(max_queries, problem.size),
            params,
            opt.init(params),
            (zh, zh),
            jnp.zeros((), jnp.int32),
            jnp.zeros((episode_length, d)),
            jnp.zeros((episode_length, d)),
            jnp.zeros(episode_length),
            jnp.zeros((), jnp.int32),
            jnp.zeros((), jnp.int32),
        )

    def ask(state, problem, key, step):
        del step
        k_rand, k_act = jax.random.split(key)
        s = problem.x[state.current]
        carry, mean = lstm_step(state.params, state.carry, s)
        action = mean + action_std * jax.random.normal(k_act, mean.shape)
        dist = jnp.sum((problem.x - action[None, :]) ** 2, axis=-1)
        seen = state.history.seen
        nearest = jnp.argmin(jnp.where(seen, jnp.inf, dist)).astype(jnp.int32)
        first = state.count == 0
        index = jnp.where(first, P.sample_unvisited(k_rand, problem, state.history), nearest)
        state = state._replace(
            carry=jax.tree.map(lambda a, b: jnp.where(first, a, b), state.carry, carry),
            states=jnp.where(first, state.states, state.states.at[state.pos].set(s)),
            actions=jnp.where(first, state.actions, state.actions.at[state.pos].set(action)),
        )
        return index[None], state

    def loss(params, states, actions, rewards):
        zh = jnp.zeros(hidden)
        _, means = jax.lax.scan(lambda c, s: lstm_step(params, c, s), (zh, zh), states)
        # log N(a; mean, std^2 I) up to a constant
        logp = -0.5 * jnp.sum((actions - means) ** 2, axis=-1) / action_std**2
        return jnp.mean(-logp * rewards)

    def update(state):
        g = jax.grad(loss)(state.params, state.states, state.actions, state.rewards)
        upd, opt_state = opt.update(g, state.opt_state, state.params)
        zh = jnp.zeros(hidden)
        return state._replace(
            params=optax.apply_updates(state.params, upd),
            opt_state=opt_state,
            carry=(zh, zh),
            pos=jnp.zeros((), jnp.int32),
        )

    def tell(state, problem, index, y):
        del problem
        first = state.count == 0
        rewards = jnp.where(first, state.rewards, state.rewards.at[state.pos].set(y[0] - baseline))
        state = state._replace(
            history=P.history_add(state.history, index, y),
            current=index[0],
            rewards=rewards,
            pos=jnp.where(first, state.pos, state.pos + 1),
            count=state.count + 1,
        )
        return jax.lax.cond(state.pos == episode_length, update, lambda s: s, state)

    return base.Searcher(init, ask, tell, 1)


__all__ = ["EmbeddingRLState", "arch2vec_rl", "lstm_init", "lstm_step"]

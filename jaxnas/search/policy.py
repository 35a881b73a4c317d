"""REINFORCE over a product of categorical choices (the NB201 baseline of Dong & Yang 2020).

The policy is one logit vector per decision (``[E, V]``: on NB201 6 edges x 5 ops, initialised
``1e-3 * N(0, 1)``); each round samples a decision vector, queries its row (found through
``problem.lookup``), and takes an Adam step on ``-log pi(a) * (r - b)`` where ``b`` is the
bias-corrected exponential moving average of the rewards including the current one (AutoDL's
``ExponentialMovingAverage``, updated before the loss). Requires a problem with ``choices``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnas.search import base, registry
from jaxnas.search import problem as P


class ReinforceState(NamedTuple):
    history: P.History
    logits: jax.Array  # [E, V]
    opt_state: optax.OptState
    ema_num: jax.Array
    ema_den: jax.Array
    last: jax.Array  # int32 [E], the decisions of the pending query


@registry.register("reinforce")
def reinforce(
    learning_rate: float = 0.01, ema_momentum: float = 0.9, reward_scale: float = 1.0
) -> base.Searcher:
    """REINFORCE with Adam(``learning_rate``) and an EMA baseline of momentum ``ema_momentum``;
    rewards are ``reward_scale * y`` (100 gives NB201's percent units)."""
    opt = optax.adam(learning_rate)

    def init(key, problem, max_queries):
        e, v = problem.num_choices, problem.num_options
        if e == 0:
            raise ValueError("reinforce needs a problem with categorical choices")
        logits = 1e-3 * jax.random.normal(key, (e, v))
        z = jnp.zeros((), jnp.float32)
        return ReinforceState(
            P.history_init(max_queries, problem.size),
            logits,
            opt.init(logits),
            z,
            z,
            jnp.zeros(e, jnp.int32),
        )

    def ask(state, problem, key, step):
        del step
        e, v = state.logits.shape
        a = jax.random.categorical(key, state.logits, axis=-1).astype(jnp.int32)
        code = jnp.sum(a * v ** jnp.arange(e - 1, -1, -1))
        return problem.lookup[code][None], state._replace(last=a)

    def tell(state, problem, index, y):
        del problem
        r = reward_scale * y[0]
        num = ema_momentum * state.ema_num + (1.0 - ema_momentum) * r
        den = ema_momentum * state.ema_den + (1.0 - ema_momentum)
        baseline = num / den

        def loss(logits):
            logp = jax.nn.log_softmax(logits, axis=-1)
            lp = jnp.take_along_axis(logp, state.last[:, None], axis=-1).sum()
            return -lp * (r - baseline)

        g = jax.grad(loss)(state.logits)
        upd, opt_state = opt.update(g, state.opt_state, state.logits)
        return state._replace(
            history=P.history_add(state.history, index, y),
            logits=optax.apply_updates(state.logits, upd),
            opt_state=opt_state,
            ema_num=num,
            ema_den=den,
        )

    return base.Searcher(init, ask, tell, 1)


__all__ = ["ReinforceState", "reinforce"]

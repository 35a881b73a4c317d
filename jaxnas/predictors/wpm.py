"""Weighted probabilistic learning-curve model (Domhan et al., 2015) fitted with batched NUTS.

The model of an increasing learning curve ``y(x)`` (x: 1-based epoch) is a positively weighted,
normalised combination of 11 parametric families plus Gaussian noise::

    y(x) = sum_k w_k f_k(x; theta_k) + eps,   w_k > 0,  sum_k w_k = 1,   eps ~ N(0, sigma^2)

As in the original, (i) the curve is monotonically increasing and (ii) the noise-free prediction
at the target epoch ``x_max`` lies in ``[0, 1]`` (a hard constraint: the log density is -inf
outside, so every posterior sample satisfies it). The original checks monotonicity numerically on
the combined curve; here every family is *parameterised* to be increasing (sufficient sign
constraints on its parameters, listed in :data:`FAMILIES`), which with positive weights makes the
combination increasing by construction and keeps the density smooth for NUTS.

Every latent is a standard normal ``z`` mapped to the family's parameters through
``mu + s * z`` and a sign / order constraint (a non-centred, weakly informative prior in score
units, where the curve lives roughly in ``[0, 1]``); weights are ``softmax(z_w)`` (a
logistic-normal prior on the simplex, the original used a flat prior on positive normalised
weights) and ``log sigma ~ N(-4, 1.5)``. The original used emcee with flat priors on a validity
region; NUTS needs a proper, smooth density, hence these priors.

Loss curves are mapped to scores by :class:`jaxnas.predictors.curves.LossTransform`.

Calibration (issue 14). On curves drawn from this model's own prior, the posterior predictive
of short single-chain NUTS runs under-disperses (fast preset, 10 of 50 epochs seen: 90% / 50%
intervals cover 0.60 / 0.28 of the observed final values), and the hard ``[0, 1]`` wall makes
13% of transitions diverge (2% with the smooth bound of ``bound_scale``, preset
``'calibrated'``). On real curves the families are also misspecified (NB-NLP / TaskSet: 0.5-0.7
at 90%). Domhan et al.'s emcee runs have the same flaw to a lesser degree (issue 14: cov90 0.81
on NB-NLP). The fix that holds on every dataset is empirical:
:func:`jaxnas.predictors.curves.fit_guard` on held-out, fully observed curves blends the
prediction with the last observed value (the last value's share capped at the largest gap seen
there), widens the samples (scale and discrepancy noise) and maps each interval level to the
level of the widened samples that reaches its nominal (split-conformal) coverage there.

Fitting (:func:`fit`) is vectorised over many partial curves of different lengths: curves are
padded to a fixed length with a mask (:func:`jaxnas.predictors.curves.pad_curves`); a jitted
optax MAP fit (all curves at once) gives the start point; then numpyro's lower-level ``hmc()``
NUTS kernel (``init_kernel`` / ``sample_kernel``) is ``jax.vmap``-ped over curves and
``lax.scan``-ned over iterations, so one compiled call fits the whole batch.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import optax
from numpyro.infer.hmc import hmc
from numpyro.infer.util import log_density, potential_energy

from jaxnas.predictors.curves import PaddedCurves

# ----------------------------------------------------------------------------------------------
# The 11 families, in the original parameterisation (Domhan et al.'s curvefunctions).


def _ex(t):
    """exp with its argument clipped, so extreme latents give finite values and gradients."""
    return jnp.exp(jnp.clip(t, -60.0, 60.0))


def _pw(base, e):
    """``base ** e`` for ``base > 0``, overflow-safe."""
    return _ex(e * jnp.log(base))


def vapor_pressure(x, a, b, c):
    """``exp(a + b / x + c log x)``."""
    return _ex(a + b / x + c * jnp.log(x))


def pow3(x, c, a, alpha):
    """``c - a x^-alpha``."""
    return c - a * _pw(x, -alpha)


def loglog_linear(x, a, b):
    """``log(a log x + b)``."""
    return jnp.log(a * jnp.log(x) + b)


def log_power(x, a, b, c):
    """``a / (1 + (x / e^b)^c)``."""
    return a * jax.nn.sigmoid(-c * (jnp.log(x) - b))


def pow4(x, c, a, b, alpha):
    """``c - (a x + b)^-alpha``."""
    return c - _pw(a * x + b, -alpha)


def mmf(x, alpha, beta, kappa, delta):
    """Morgan-Mercer-Flodin: ``alpha - (alpha - beta) / (1 + (kappa x)^delta)``."""
    return alpha - (alpha - beta) * jax.nn.sigmoid(-delta * jnp.log(kappa * x))


def exp4(x, c, a, b, alpha):
    """``c - exp(-a x^alpha + b)``."""
    return c - _ex(-a * _pw(x, alpha) + b)


def janoschek(x, a, beta, k, delta):
    """``a - (a - beta) exp(-k x^delta)``."""
    return a - (a - beta) * _ex(-k * _pw(x, delta))


def weibull(x, alpha, beta, kappa, delta):
    """``alpha - (alpha - beta) exp(-(kappa x)^delta)``."""
    return alpha - (alpha - beta) * _ex(-_pw(kappa * x, delta))


def ilog2(x, c, a):
    """``c - a / log(x + 1)``."""
    return c - a / jnp.log(x + 1.0)


def hill3(x, y_max, eta, kappa):
    """Hill: ``y_max x^eta / (kappa^eta + x^eta)``."""
    return y_max * jax.nn.sigmoid(eta * (jnp.log(x) - jnp.log(kappa)))


class Family(NamedTuple):
    """One parametric family.

    Attributes:
      fn: ``fn(x, *params)`` in the original parameterisation.
      prior: ``((mu, s), ...)`` per latent: raw value ``r = mu + s * z``, ``z ~ N(0, 1)``.
      to_params: maps the raw values ``r`` (a tuple) to the original parameters, enforcing the
        increasing-curve constraints.
      constraints: the constraints, in words.
    """

    fn: Callable
    prior: tuple
    to_params: Callable
    constraints: str


_e = jnp.exp
FAMILIES: dict[str, Family] = {
    "vapor_pressure": Family(
        vapor_pressure, ((-0.5, 1.5), (-1.0, 1.5), (-4.0, 2.0)),
        lambda r: (r[0], -_e(r[1]), _e(r[2])), "b < 0, c > 0",
    ),
    "pow3": Family(
        pow3, ((0.7, 1.0), (-1.0, 1.5), (-0.5, 1.5)),
        lambda r: (r[0], _e(r[1]), _e(r[2])), "a > 0, alpha > 0",
    ),
    "loglog_linear": Family(
        loglog_linear, ((-1.5, 1.5), (0.3, 1.0)),
        lambda r: (_e(r[0]), _e(r[1])), "a > 0, b > 0",
    ),
    "log_power": Family(
        log_power, ((-0.3, 1.0), (1.0, 2.0), (0.0, 1.0)),
        lambda r: (_e(r[0]), r[1], -_e(r[2])), "a > 0, c < 0",
    ),
    "pow4": Family(
        pow4, ((0.7, 1.0), (-1.0, 2.0), (0.0, 1.5), (-0.5, 1.5)),
        lambda r: (r[0], _e(r[1]), _e(r[2]) - _e(r[1]), _e(r[3])),
        "a > 0, a + b > 0, alpha > 0",
    ),
    "mmf": Family(
        mmf, ((0.0, 1.0), (-0.5, 1.0), (-1.5, 2.0), (0.0, 1.0)),
        lambda r: (r[0] + _e(r[1]), r[0], _e(r[2]), _e(r[3])),
        "alpha > beta, kappa > 0, delta > 0",
    ),
    "exp4": Family(
        exp4, ((0.7, 1.0), (-1.0, 2.0), (0.0, 2.0), (-0.5, 1.0)),
        lambda r: (r[0], _e(r[1]), r[2], _e(r[3])), "a > 0, alpha > 0",
    ),
    "janoschek": Family(
        janoschek, ((0.0, 1.0), (-0.5, 1.0), (-1.5, 2.0), (0.0, 1.0)),
        lambda r: (r[0] + _e(r[1]), r[0], _e(r[2]), _e(r[3])),
        "a > beta, k > 0, delta > 0",
    ),
    "weibull": Family(
        weibull, ((0.0, 1.0), (-0.5, 1.0), (-1.5, 2.0), (0.0, 1.0)),
        lambda r: (r[0] + _e(r[1]), r[0], _e(r[2]), _e(r[3])),
        "alpha > beta, kappa > 0, delta > 0",
    ),
    "ilog2": Family(
        ilog2, ((0.7, 1.0), (-1.0, 1.5)),
        lambda r: (r[0], _e(r[1])), "a > 0",
    ),
    "hill3": Family(
        hill3, ((-0.3, 1.0), (0.0, 1.0), (1.0, 2.0)),
        lambda r: (_e(r[0]), _e(r[1]), _e(r[2])), "y_max > 0, eta > 0, kappa > 0",
    ),
}  # fmt: skip
ALL_FAMILIES = tuple(FAMILIES)
LOG_SIGMA_PRIOR = (-4.0, 1.5)


def num_latents(families: tuple[str, ...] = ALL_FAMILIES) -> int:
    """Length D of the latent vector: family parameters, one weight logit each, log sigma."""
    return sum(len(FAMILIES[f].prior) for f in families) + len(families) + 1


class Unpacked(NamedTuple):
    """Latents ``[..., D]`` in model units.

    Attributes:
      params: per family, a tuple of ``[...]`` arrays in the original parameterisation.
      weights: ``[..., K]`` positive, summing to 1.
      sigma: ``[...]`` noise standard deviation.
    """

    params: dict
    weights: jnp.ndarray
    sigma: jnp.ndarray


def unpack(theta: jnp.ndarray, families: tuple[str, ...] = ALL_FAMILIES) -> Unpacked:
    """Maps standard-normal latents ``[..., D]`` to parameters, weights and noise."""
    params, i = {}, 0
    for name in families:
        fam = FAMILIES[name]
        raw = tuple(mu + s * theta[..., i + j] for j, (mu, s) in enumerate(fam.prior))
        params[name] = fam.to_params(raw)
        i += len(fam.prior)
    k = len(families)
    weights = jax.nn.softmax(theta[..., i : i + k], axis=-1)
    sigma = jnp.exp(LOG_SIGMA_PRIOR[0] + LOG_SIGMA_PRIOR[1] * theta[..., i + k])
    return Unpacked(params, weights, sigma)


def family_curves(theta, x, families: tuple[str, ...] = ALL_FAMILIES):
    """Each family's curve.

    Args:
      theta: ``[D]`` latents.
      x: ``[P]`` epochs.

    Returns:
      ``[K, P]`` curves.
    """
    u = unpack(theta, families)
    return jnp.stack([FAMILIES[f].fn(x, *u.params[f]) for f in families])


def mean_curve(theta, x, families: tuple[str, ...] = ALL_FAMILIES):
    """The noise-free combined curve ``sum_k w_k f_k(x)``: theta ``[D]``, x ``[P]`` -> ``[P]``."""
    w = unpack(theta, families).weights
    return w @ family_curves(theta, x, families)


def wpm_model(x, y, mask, x_max, families=ALL_FAMILIES, bound_penalty=None, bound_scale=0.0):
    """The WPM as a NumPyro model of one (padded) partial curve.

    Args:
      x: ``[P]`` epochs (1-based; padded entries any value >= 1).
      y: ``[P]`` observed scores (padded entries ignored).
      mask: ``[P]`` bool, True where observed.
      x_max: scalar, the target epoch where the prediction must lie in ``[0, 1]``.
      families: the family names (static).
      bound_penalty: None for the sampled density; a float for a smooth quadratic penalty
        (used only by the MAP start, whose optimiser needs finite values).
      bound_scale: for the sampled density: 0 for the hard constraint (-inf outside), > 0 for
        a smooth one of that width (:class:`WPMConfig`).
    """
    d = num_latents(families)
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0).expand([d]).to_event(1))
    u = unpack(theta, families)
    curves = jnp.stack([FAMILIES[f].fn(x, *u.params[f]) for f in families])
    f = u.weights @ curves
    numpyro.sample("y", dist.Normal(f, u.sigma).mask(mask).to_event(1), obs=y)
    xm = jnp.reshape(x_max, (1,)).astype(x.dtype)
    f_max = mean_curve(theta, xm, families)[0]
    if bound_penalty is None and bound_scale > 0.0:
        lp = jax.nn.log_sigmoid(f_max / bound_scale)
        numpyro.factor("bound", lp + jax.nn.log_sigmoid((1.0 - f_max) / bound_scale))
    elif bound_penalty is None:
        ok = (f_max >= 0.0) & (f_max <= 1.0)
        numpyro.factor("bound", jnp.where(ok, 0.0, -jnp.inf))
    else:
        # Aim slightly inside [0, 1] so that the start point satisfies the hard constraint.
        viol = jax.nn.relu(f_max - 0.995) + jax.nn.relu(0.005 - f_max)
        numpyro.factor("bound", -bound_penalty * viol**2)


# ----------------------------------------------------------------------------------------------
# Configuration and fitting.


@dataclasses.dataclass(frozen=True)
class WPMConfig:
    """Settings of :func:`fit` (hashable: passed to jit as a static argument).

    Attributes:
      families: family names.
      num_warmup: NUTS warm-up iterations (step size and diagonal mass adaptation).
      num_samples: posterior samples kept per curve.
      max_tree_depth: NUTS maximum tree depth (at most ``2**depth - 1`` leapfrog steps).
      target_accept_prob: NUTS step-size adaptation target.
      map_steps: optax Adam steps of the MAP start.
      map_lr: its initial learning rate (cosine decay to 1% of it).
      bound_penalty: weight of the smooth bound penalty in the MAP start.
      bound_scale: 0 for the original hard bound on the noise-free prediction at ``x_max``
        (log density -inf outside ``[0, 1]``); > 0 for a smooth one,
        ``log sigmoid(f / s) + log sigmoid((1 - f) / s)``. NUTS trajectories that hit the
        hard wall diverge (13% of transitions on curves drawn from the prior, 2% with
        ``s = 0.01``), which stalls the chain near the wall.
    """

    families: tuple[str, ...] = ALL_FAMILIES
    num_warmup: int = 500
    num_samples: int = 500
    max_tree_depth: int = 8
    target_accept_prob: float = 0.8
    map_steps: int = 1000
    map_lr: float = 0.1
    bound_penalty: float = 1e6
    bound_scale: float = 0.0


def reference_config() -> WPMConfig:
    """All 11 families, 500 warm-up + 500 samples, depth 8 (the original ran emcee with
    100 walkers x 2,500 steps; NUTS samples are far less correlated)."""
    return WPMConfig()


def fast_config() -> WPMConfig:
    """Tiny settings for tests: 3 families, 40 + 40 iterations, depth 4."""
    return WPMConfig(
        families=("pow3", "janoschek", "ilog2"),
        num_warmup=40,
        num_samples=40,
        max_tree_depth=4,
    )


PRESETS = ("reference", "eval", "calibrated", "fast", "smoke")


def preset(name: str, **overrides) -> WPMConfig:
    """Named settings, with field overrides: ``'reference'`` (:func:`reference_config`),
    ``'eval'`` (11 families, 200 + 200 iterations, depth 7: the reference within a 2-core CPU
    budget), ``'calibrated'`` ('eval' with the smooth bound ``bound_scale=0.01``; pair it with
    :func:`jaxnas.predictors.curves.fit_guard` on held-out curves, as ``experiments.lce_eval``
    does), ``'fast'`` (:func:`fast_config`) or ``'smoke'`` (pow3 only, 20 + 20, depth 3: the
    cheapest compile, for smoke runs)."""
    if name == "reference":
        cfg = reference_config()
    elif name == "eval":
        cfg = dataclasses.replace(
            reference_config(), num_warmup=200, num_samples=200, max_tree_depth=7
        )
    elif name == "calibrated":
        cfg = dataclasses.replace(
            reference_config(), num_warmup=200, num_samples=200, max_tree_depth=7,
            bound_scale=0.01,
        )  # fmt: skip
    elif name == "fast":
        cfg = fast_config()
    elif name == "smoke":
        cfg = dataclasses.replace(
            fast_config(), families=("pow3",), num_warmup=20, num_samples=20, max_tree_depth=3
        )
    else:
        raise ValueError(f"unknown WPM preset {name!r}; choose from {PRESETS}")
    return dataclasses.replace(cfg, **overrides)


class WPMFit(NamedTuple):
    """Posterior samples for B curves.

    Attributes:
      theta: ``[B, S, D]`` latent samples (map with :func:`unpack`).
      theta_map: ``[B, D]`` the MAP start.
      x_max: ``[B]`` the bound epoch of each curve.
      diverging: ``[B, S]`` bool, divergent transitions among the kept samples.
      accept_prob: ``[B]`` mean acceptance probability of the kept samples.
      num_steps: ``[B, S]`` leapfrog steps per kept sample.
      map_valid: ``[B]`` bool, the MAP start satisfied the hard constraint (else the chain
        started from it shrunk towards the prior median z = 0 until it did).
    """

    theta: jnp.ndarray
    theta_map: jnp.ndarray
    x_max: jnp.ndarray
    diverging: jnp.ndarray
    accept_prob: jnp.ndarray
    num_steps: jnp.ndarray
    map_valid: jnp.ndarray


def _model_args(x, y, mask, x_max):
    return (x, y, mask, x_max)


def map_fit(x, y, mask, x_max, config: WPMConfig):
    """Jittable MAP fit of many curves at once (Adam on the penalised negative log joint).

    Args:
      x, y, mask: ``[B, P]`` padded curves.
      x_max: ``[B]`` bound epochs.
      config: settings.

    Returns:
      ``[B, D]`` latents.
    """
    model = functools.partial(
        wpm_model, families=config.families, bound_penalty=config.bound_penalty
    )

    def loss(theta, xb, yb, mb, xmb):
        ld, _ = log_density(model, (xb, yb, mb, xmb), {}, {"theta": theta})
        return -ld

    # Decay the step size: with a constant one, Adam keeps oscillating in log sigma, whose
    # curvature grows as the fit improves.
    lr = optax.cosine_decay_schedule(config.map_lr, config.map_steps, alpha=0.01)
    opt = optax.chain(optax.clip_by_global_norm(10.0), optax.adam(lr))
    grad = jax.vmap(jax.value_and_grad(loss))
    theta = jnp.zeros((x.shape[0], num_latents(config.families)), x.dtype)
    # One optimiser per curve (vmapped): a global-norm clip over the batch would couple curves.
    state = jax.vmap(opt.init)(theta)

    def step(carry, _):
        th, st = carry
        _, g = grad(th, x, y, mask, x_max)
        g = jnp.nan_to_num(g)
        upd, st = jax.vmap(opt.update)(g, st, th)
        return (optax.apply_updates(th, upd), st), None

    (theta, _), _ = jax.lax.scan(step, (theta, state), None, length=config.map_steps)
    return theta


def _potential_gen(families, bound_scale=0.0):
    model = functools.partial(wpm_model, families=families, bound_scale=bound_scale)

    def gen(x, y, mask, x_max):
        return lambda params: potential_energy(model, (x, y, mask, x_max), {}, params)

    return gen


@functools.partial(jax.jit, static_argnames=("config",))
def _fit_jit(keys, x, y, mask, x_max, config: WPMConfig):
    theta_map = map_fit(x, y, mask, x_max, config)
    gen = _potential_gen(config.families, config.bound_scale)
    init_kernel, sample_kernel = hmc(potential_fn_gen=gen, algo="NUTS")

    def one(key, th0, xb, yb, mb, xmb):
        args = (xb, yb, mb, xmb)
        # If the MAP point violates the hard bound, shrink it towards the prior median (z = 0)
        # until it does not: the largest valid t in {1, 0.9, ..., 0} of t * theta_map.
        ts = jnp.linspace(1.0, 0.0, 11)
        pes = jax.vmap(lambda t: gen(*args)({"theta": t * th0}))(ts)
        valid = jnp.isfinite(pes[0])
        th0 = ts[jnp.argmax(jnp.isfinite(pes))] * th0
        state = init_kernel(
            {"theta": th0},
            config.num_warmup,
            target_accept_prob=config.target_accept_prob,
            max_tree_depth=config.max_tree_depth,
            model_args=args,
            rng_key=key,
        )

        def body(st, _):
            st = sample_kernel(st, model_args=args)
            return st, (st.z["theta"], st.diverging, st.accept_prob, st.num_steps)

        state, _ = jax.lax.scan(body, state, None, length=config.num_warmup)
        _, (th, div, acc, steps) = jax.lax.scan(body, state, None, length=config.num_samples)
        return th, div, jnp.mean(acc), steps, valid

    th, div, acc, steps, valid = jax.vmap(one)(keys, theta_map, x, y, mask, x_max)
    return WPMFit(th, theta_map, x_max, div, acc, steps, valid)


def fit(
    key: jax.Array,
    curves: PaddedCurves,
    x_max,
    config: WPMConfig | None = None,
) -> WPMFit:
    """Fits the WPM to B padded partial curves in one compiled, vectorised call.

    Args:
      key: a PRNG key (split into one key per curve) or ``[B]`` keys. Curve b's chain depends
        only on ``keys[b]`` and its own data, not on the other curves of the batch (the MAP
        optimisers are per curve; the vmapped NUTS loops run in lockstep but mask finished
        lanes). A separately compiled program (another B) may differ in the last float bits,
        which NUTS trajectories amplify: its chains then agree in distribution only.
      curves: ``x, y, mask`` of shape ``[B, P]`` (scores, increasing; see
        :mod:`jaxnas.predictors.curves`).
      x_max: scalar or ``[B]``: epoch at which the noise-free prediction must lie in [0, 1]
        (the target epoch).
      config: settings (default :func:`reference_config`).

    Returns:
      The posterior samples. Compilation happens once per (B, P, config).
    """
    config = reference_config() if config is None else config
    x = jnp.asarray(curves.x, jnp.float32)
    b = x.shape[0]
    keys = jnp.asarray(key)
    if keys.shape == () or (keys.dtype == jnp.uint32 and keys.shape == (2,)):
        keys = jax.random.split(key, b)
    if keys.shape[0] != b:
        raise ValueError(f"got {keys.shape[0]} keys for {b} curves")
    xm = jnp.broadcast_to(jnp.asarray(x_max, jnp.float32), (b,))
    return _fit_jit(
        keys, x, jnp.asarray(curves.y, jnp.float32), jnp.asarray(curves.mask), xm, config
    )


# ----------------------------------------------------------------------------------------------
# Predictions.


class Prediction(NamedTuple):
    """Predictive distribution at K target epochs for B curves, S samples.

    Attributes:
      mean: ``[B, K]``.
      std: ``[B, K]``.
      samples: ``[B, S, K]`` (noise-free curve values, plus observation noise if requested).
    """

    mean: jnp.ndarray
    std: jnp.ndarray
    samples: jnp.ndarray


def predict(
    fit_result: WPMFit,
    x_target,
    config: WPMConfig | None = None,
    *,
    key: jax.Array | None = None,
) -> Prediction:
    """Posterior predictive at target epochs.

    Args:
      fit_result: from :func:`fit`.
      x_target: ``[K]`` epochs (or a scalar).
      config: the config used to fit (for its families).
      key: if given, Gaussian observation noise (each sample's sigma) is added to the samples,
        giving the predictive distribution of an *observed* value; if None, the samples are the
        noise-free curve (the original's predictive distribution).

    Returns:
      The prediction, in score units.
    """
    config = reference_config() if config is None else config
    xt = jnp.atleast_1d(jnp.asarray(x_target, jnp.float32))
    th = fit_result.theta
    f = jax.vmap(jax.vmap(lambda t: mean_curve(t, xt, config.families)))(th)  # [B, S, K]
    if key is not None:
        sigma = unpack(th, config.families).sigma  # [B, S]
        f = f + sigma[..., None] * jax.random.normal(key, f.shape, f.dtype)
    return Prediction(jnp.mean(f, axis=1), jnp.std(f, axis=1), f)


def prob_greater(prediction: Prediction, threshold) -> jnp.ndarray:
    """``P(y > threshold)`` per curve and target: ``[B, K]`` (threshold broadcastable)."""
    b, _, k = prediction.samples.shape
    thr = jnp.broadcast_to(jnp.asarray(threshold, prediction.samples.dtype), (b, k))
    return jnp.mean(prediction.samples > thr[:, None, :], axis=1)


def weights(fit_result: WPMFit, config: WPMConfig | None = None) -> np.ndarray:
    """Posterior mean family weights ``[B, K]`` (order: ``config.families``)."""
    config = reference_config() if config is None else config
    return np.asarray(jnp.mean(unpack(fit_result.theta, config.families).weights, axis=1))

"""VAE curve compressor (Flax linen), the alternative to SVD in NAS-Bench-x11.

Curves are standardised per epoch; an MLP encoder gives ``q(z | y) = N(mu, diag(exp(logvar)))``
with ``k`` latent dimensions, an MLP decoder maps ``z`` back to the curve. Trained full batch
with Adam on the squared reconstruction error plus ``beta`` times the KL to ``N(0, I)``.
``encode`` returns the posterior mean (the mean model's target); ``decode`` the curve.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax


@dataclasses.dataclass(frozen=True)
class VAEConfig:
    """The curve VAE's size and training.

    Attributes:
      hidden: widths of the encoder's hidden layers (the decoder mirrors them).
      steps: full-batch Adam steps; learning_rate: Adam's learning rate.
      beta: weight of the KL term in the loss.
    """

    hidden: tuple[int, ...] = (128, 64)
    steps: int = 3000
    learning_rate: float = 1e-3
    beta: float = 1e-3


FAST_VAE = VAEConfig(hidden=(64,), steps=300, learning_rate=3e-3)
"""A small preset for tests and smoke runs."""


def config_from_json(d: dict) -> dict:
    d = dict(d)
    d["hidden"] = tuple(d["hidden"])
    return d


class _VAE(nn.Module):
    hidden: tuple[int, ...]
    latent: int
    out: int

    def setup(self):
        self.enc = [nn.Dense(h) for h in self.hidden]
        self.mu = nn.Dense(self.latent)
        self.logvar = nn.Dense(self.latent)
        self.dec = [nn.Dense(h) for h in reversed(self.hidden)]
        self.dec_out = nn.Dense(self.out)

    def encode(self, y):
        for layer in self.enc:
            y = nn.relu(layer(y))
        return self.mu(y), self.logvar(y)

    def decode(self, z):
        for layer in self.dec:
            z = nn.relu(layer(z))
        return self.dec_out(z)

    def __call__(self, y, key):
        mu, logvar = self.encode(y)
        z = mu + jnp.exp(0.5 * logvar) * jax.random.normal(key, mu.shape)
        return self.decode(z), mu, logvar


class VAECompressor(NamedTuple):
    """Fitted VAE compressor: Flax params, architecture, per-epoch standardisation."""

    params: Any
    hidden: tuple[int, ...]
    num_components: int
    y_mean: np.ndarray
    y_std: np.ndarray


def vae_fit(curves, k: int, key: jax.Array, config: VAEConfig = VAEConfig()) -> VAECompressor:
    """Fits a VAE with ``k`` latent dimensions on curves ``[N, E]``."""
    y = np.asarray(curves, np.float64)
    mean, std = y.mean(axis=0), y.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    ys = jnp.asarray((y - mean) / std, jnp.float32)
    net = _VAE(tuple(config.hidden), int(k), y.shape[1])
    k_init, k_train = jax.random.split(key)
    params = net.init(k_init, ys[:1], k_init)
    tx = optax.adam(config.learning_rate)

    def loss(p, key):
        rec, mu, logvar = net.apply(p, ys, key)
        kl = -0.5 * jnp.sum(1 + logvar - mu**2 - jnp.exp(logvar), axis=-1)
        return jnp.mean(jnp.sum((rec - ys) ** 2, axis=-1)) + config.beta * jnp.mean(kl)

    @jax.jit
    def train(p):
        def step(carry, key):
            p, s = carry
            g = jax.grad(loss)(p, key)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), None

        keys = jax.random.split(k_train, config.steps)
        (p, _), _ = jax.lax.scan(step, (p, tx.init(p)), keys)
        return p

    params = jax.device_get(train(params))
    return VAECompressor(params, tuple(config.hidden), int(k), mean, std)


def _net(comp: VAECompressor) -> _VAE:
    return _VAE(comp.hidden, comp.num_components, len(comp.y_mean))


def vae_encode(comp: VAECompressor, curves) -> np.ndarray:
    """Posterior means ``[N, k]`` of curves ``[N, E]``."""
    ys = (np.asarray(curves, np.float64) - comp.y_mean) / comp.y_std
    mu, _ = _net(comp).apply(comp.params, jnp.asarray(ys, jnp.float32), method=_VAE.encode)
    return np.asarray(mu, np.float64)


def vae_decode(comp: VAECompressor, z) -> np.ndarray:
    """Curves ``[N, E]`` from latents ``[N, k]``."""
    out = _net(comp).apply(comp.params, jnp.asarray(z, jnp.float32), method=_VAE.decode)
    return np.asarray(out, np.float64) * comp.y_std + comp.y_mean


def stats(comp: VAECompressor) -> dict[str, np.ndarray]:
    return {"y_mean": comp.y_mean, "y_std": comp.y_std, "k": np.asarray(comp.num_components)}


def from_saved(config: VAEConfig, params_bytes: bytes, arrays: dict, num_epochs: int):
    from flax import serialization

    k = int(arrays["k"])
    net = _VAE(tuple(config.hidden), k, int(num_epochs))
    template = net.init(
        jax.random.key(0), jnp.zeros((1, num_epochs), jnp.float32), jax.random.key(0)
    )
    params = serialization.from_bytes(template, params_bytes)
    return VAECompressor(params, tuple(config.hidden), k, arrays["y_mean"], arrays["y_std"])

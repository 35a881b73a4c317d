"""2-D pictures of encodings: PCA, t-SNE (scikit-learn) and UMAP (only if ``umap`` is
importable), coloured by accuracy, side by side for several encodings (the seed's latent-space
visualisation of arch2vec vs its supervised counterpart).

    xy = projection.project(x, "tsne", jax.random.key(0))            # [N, 2]
    projection.plot({("pca", "arch2vec"): xy, ...}, {"arch2vec": acc}, "out/latent")
"""

from __future__ import annotations

import importlib.util
import pathlib

import jax
import numpy as np
from threadpoolctl import threadpool_limits

from jaxnas.analysis import figures

METHODS = ("pca", "tsne", "umap")


def available_methods() -> tuple[str, ...]:
    """The projection methods usable here (UMAP only when the ``umap`` package is installed)."""
    have_umap = importlib.util.find_spec("umap") is not None
    return tuple(m for m in METHODS if m != "umap" or have_umap)


def _seed(key: jax.Array) -> int:
    return int(jax.random.randint(key, (), 0, 2**31 - 1))


def subsample(key: jax.Array, num: int, max_points: int) -> np.ndarray:
    """Sorted rows of a uniform subsample of ``range(num)`` (all rows if ``num <= max_points``)."""
    if num <= max_points:
        return np.arange(num)
    return np.sort(np.asarray(jax.random.choice(key, num, (max_points,), replace=False)))


def project(x, method: str, key: jax.Array, *, perplexity: float = 30.0) -> np.ndarray:
    """``float64 [N, 2]`` projection of ``x [N, D]``.

    scikit-learn runs with one OpenMP / BLAS thread: on a busy machine its OpenMP threads spin
    against JAX's and t-SNE of 150 points took 50-80 s instead of under a second.

    Args:
      x: encodings.
      method: ``'pca'``, ``'tsne'`` or ``'umap'``.
      key: PRNG key (t-SNE / UMAP initialisation).
      perplexity: t-SNE perplexity (clipped below ``N``).
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or len(x) < 3:
        raise ValueError(f"expected x [N >= 3, D], got {x.shape}")
    with threadpool_limits(1):
        return _project(x, method, key, perplexity)


def _project(x, method, key, perplexity):
    if method == "pca":
        from sklearn.decomposition import PCA

        if x.shape[1] == 1:
            return np.concatenate([x - x.mean(0), np.zeros_like(x)], axis=1)
        return PCA(n_components=2).fit_transform(x)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perp = float(min(perplexity, (len(x) - 1) / 3))
        return TSNE(2, perplexity=perp, init="pca", random_state=_seed(key)).fit_transform(x)
    if method == "umap":
        if "umap" not in available_methods():
            raise ValueError("method 'umap' needs the umap-learn package, which is not installed")
        import umap

        return umap.UMAP(random_state=_seed(key)).fit_transform(x)
    raise ValueError(f"unknown projection method {method!r}; choose one of {METHODS}")


def plot(
    points: dict[tuple[str, str], np.ndarray],
    colors: dict[str, np.ndarray],
    out_prefix,
    title: str = "",
    scale: float = 100.0,
) -> list[pathlib.Path]:
    """A grid of scatter plots: one row per method, one column per encoding, coloured by
    accuracy (``colors[name] [M]`` times ``scale``); writes ``<out_prefix>.png`` and ``.svg``.

    Args:
      points: ``(method, encoding name) -> [M, 2]``.
      colors: encoding name -> ``[M]`` accuracy of the projected points.
    """
    plt = figures.pyplot()
    methods = list(dict.fromkeys(m for m, _ in points))
    names = list(dict.fromkeys(n for _, n in points))
    allc = np.concatenate([scale * np.asarray(colors[n]) for n in names])
    vmin, vmax = np.percentile(allc, [2, 100])
    fig, axes = plt.subplots(
        len(methods), len(names), figsize=(3.6 * len(names), 3.3 * len(methods)), squeeze=False
    )
    sc = None
    for i, m in enumerate(methods):
        for j, n in enumerate(names):
            ax = axes[i, j]
            if (m, n) not in points:
                ax.axis("off")
                continue
            xy, c = points[(m, n)], scale * np.asarray(colors[n])
            order = np.argsort(c)  # best points on top
            sc = ax.scatter(xy[order, 0], xy[order, 1], c=c[order], s=2, cmap="viridis",
                            vmin=vmin, vmax=vmax, linewidths=0)  # fmt: skip
            ax.set_title(f"{n} ({m})", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    if sc is not None:
        fig.colorbar(sc, ax=axes.ravel().tolist(), shrink=0.8, label="accuracy (%)")
    return figures.save(fig, out_prefix, title, tight_layout=False)


__all__ = ["METHODS", "available_methods", "plot", "project", "subsample"]

r"""Plots of x11 surrogates from the curves saved by ``experiments.x11_table``.

    python -m experiments.x11_plot --workdir=results/x11 [--only=SVD-LGB-GKDE] [--num_archs=6]

For each ``<workdir>/curves/<dataset>__<combination>__s<seed>.npz`` writes
``<workdir>/plots/<same name>.png`` with three panels: true vs surrogate curves (mean and noisy
draws) for random test architectures (the seed's figure), histograms of the residuals
``true - mean`` at five epochs, and the per-epoch R^2 of the mean curve. Needs matplotlib
(``pip install 'jaxnas[plot]'``).
"""

from __future__ import annotations

import pathlib

import numpy as np
from absl import app, flags

from experiments import common
from jaxnas import io
from jaxnas.surrogates import metrics

_ONLY = flags.DEFINE_list("only", [], "Plot only these combinations (default all).")
_NUM = flags.DEFINE_integer("num_archs", 6, "Random test architectures shown.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed choosing the architectures shown.")


def plot_file(src: pathlib.Path, dst: pathlib.Path, num_archs: int, seed: int) -> None:
    """Writes the three-panel figure of one saved ``.npz`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with np.load(src) as f:
        true, mean, draws, epochs = f["true"], f["mean"], f["draws"], f["epochs"]
    rows = np.random.default_rng(seed).choice(len(true), min(num_archs, len(true)), replace=False)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, i in enumerate(rows):
        col = colors[j % len(colors)]
        axes[0].plot(epochs, true[i], color=col, lw=1.8, label="true" if j == 0 else None)
        axes[0].plot(
            epochs, mean[i], color=col, ls="--", label="surrogate mean" if j == 0 else None
        )
        for k in range(draws.shape[1]):
            axes[0].plot(
                epochs, draws[i, k], color=col, lw=0.6, alpha=0.5,
                label="surrogate draws" if j == 0 and k == 0 else None,
            )  # fmt: skip
    axes[0].set(xlabel="epoch", ylabel="value", title="true vs surrogate (test archs)")
    axes[0].legend()
    res = true - mean
    for e in np.unique(np.linspace(0, len(epochs) - 1, 5).astype(int)):
        axes[1].hist(res[:, e], bins=30, alpha=0.5, label=f"epoch {epochs[e]}")
    axes[1].set(xlabel="true - mean", ylabel="count", title="residuals")
    axes[1].legend()
    axes[2].plot(epochs, metrics.per_epoch_r2(true, mean), marker=".")
    axes[2].set(xlabel="epoch", ylabel="R^2", title="per-epoch R^2 of the mean curve")
    fig.suptitle(src.stem.replace("__", "  "))
    fig.tight_layout()
    with io.atomic_open(dst, "wb") as f:
        fig.savefig(f, format="png", dpi=90)
    plt.close(fig)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    workdir = common.workdir("results/x11")  # experiments.x11_table's
    files = sorted((workdir / "curves").glob("*.npz"))
    if _ONLY.value:
        files = [f for f in files if f.stem.split("__")[1] in _ONLY.value]
    if not files:
        raise app.UsageError(f"no saved curves under {workdir / 'curves'}: run x11_table first")
    for f in files:
        dst = workdir / "plots" / f"{f.stem}.png"
        plot_file(f, dst, _NUM.value, _SEED.value)
        print(f"wrote {dst}")


if __name__ == "__main__":
    common.run(main)

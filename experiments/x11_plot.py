r"""Plots of x11 surrogates from the curves saved by ``experiments.x11_table``.

    python -m experiments.x11_plot --workdir=results/x11 [--only=SVD-LGB-GKDE] [--num_archs=6]

For each ``<workdir>/curves/<dataset>__<combination>__s<seed>.npz`` writes
``<workdir>/plots/<same name>.png`` with three panels: true vs surrogate curves (mean and noisy
draws) for random test architectures (the seed's figure), histograms of the residuals
``true - mean`` at five epochs, and the per-epoch R^2 of the mean curve
(:func:`jaxnas.analysis.x11.plot_file`). Needs matplotlib (``pip install 'jaxnas[plot]'``).
"""

from __future__ import annotations

from absl import app, flags, logging

from experiments import common
from jaxnas.analysis import x11

_ONLY = flags.DEFINE_list("only", [], "Plot only these combinations (default all).")
_NUM = flags.DEFINE_integer("num_archs", 6, "Random test architectures shown.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed choosing the architectures shown.")


def main(argv):
    common.check_no_args(argv)
    workdir = common.workdir("results/x11")  # experiments.x11_table's
    files = sorted((workdir / "curves").glob("*.npz"))
    if _ONLY.value:
        files = [f for f in files if f.stem.split("__")[1] in _ONLY.value]
    if not files:
        raise app.UsageError(f"no saved curves under {workdir / 'curves'}: run x11_table first")
    for f in common.progress(files, desc="plots", unit="figure"):
        dst = workdir / "plots" / f"{f.stem}.png"
        x11.plot_file(f, dst, _NUM.value, _SEED.value)
        logging.info("wrote %s", dst)


if __name__ == "__main__":
    common.run(main)

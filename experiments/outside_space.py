r"""Outside-search-space generalisation of an MLP predictor: adjacency vs learned encodings.

    python -m experiments.outside_space --config=experiments/configs/outside_space.py \
        [--config.embeddings="('cate=<embeddings.npz>',)"] \
        --data_dir=../shared/data --workdir=results/outside_space

Splits the labelled NB101-20k cells into a training set (fewer than 7 vertices, at most 7
edges) and an outside test set (6 vertices, at least 7 edges), trains an MLP on each encoding
for every seed at once (``jax.vmap``) and reports RMSE, Pearson, Spearman and Kendall
correlations on the test set (:mod:`jaxnas.analysis.outside`). Writes ``outside_space.json``,
``outside_space.npz`` and ``outside_space.md`` under ``--workdir``.
"""

from __future__ import annotations

from experiments import common
from jaxnas.analysis import outside

_CONFIG = common.define_config(
    "experiments/configs/outside_space.py", "Experiment configuration.",
)


def main(argv):
    common.check_no_args(argv)
    workdir = common.workdir("results/outside_space")
    print(outside.run(_CONFIG.value, workdir, common.data_dir(), common.download()))


if __name__ == "__main__":
    common.run(main)

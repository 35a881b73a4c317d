r"""CATE's encoding comparison: encodings x search subroutines on NB101-20k at 150 queries.

    python -m experiments.encoding_comparison \
        --config=experiments/configs/encoding_comparison.py \
        [--config.embeddings="('arch2vec=<embeddings.npz>', 'cate=<embeddings.npz>')"] \
        --data_dir=../shared/data --workdir=results/encoding_comparison

For every encoding (hand-made ones from :mod:`jaxnas.encodings`, learned ones from
``embeddings.npz`` files aligned by NB101 hash) and every subroutine (RS, REA, LS, neural
predictor, GP-BO, DNGO-BO), runs the configured seeds at once under ``jax.vmap`` and reports the
final incumbent's validation error (%) as mean +- std (:mod:`jaxnas.search.comparison`).
Writes ``encoding_comparison.{jsonl,md}`` and ``encoding_comparison_regret.{png,svg}`` under
``--workdir``. See the config's docstring for how this differs from CATE's setting.
"""

from __future__ import annotations

from experiments import common
from jaxnas.search import comparison

_CONFIG = common.define_config(
    "experiments/configs/encoding_comparison.py",
    "Encoding-comparison configuration.",
)


def main(argv):
    common.check_no_args(argv)
    c = _CONFIG.value
    workdir = common.workdir("results/encoding_comparison")
    print(comparison.run_comparison(c, workdir, common.data_dir(), common.download()))


if __name__ == "__main__":
    common.run(main)

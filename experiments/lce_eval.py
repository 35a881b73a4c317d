r"""Learning-curve extrapolation error vs the fraction of the curve observed.

    python -m experiments.lce_eval --config=experiments/configs/lce_eval.py \
        --data_dir=../shared/data --workdir=results/lce_eval

For each dataset of the config (real loss curves: NB-NLP WikiText-2, TaskSet), held-out curves
are observed for the first ``round(f * T)`` epochs, f in ``config.fractions``, and their
final-epoch loss is predicted by the WPM, LcSVR and the last observed value
(:mod:`jaxnas.predictors.evaluation`). Writes ``lce_eval.jsonl`` (one row per dataset x method
x fraction) and ``lce_eval.md`` atomically under ``--workdir`` and prints the table. Set
``JAX_COMPILATION_CACHE_DIR`` for JAX's persistent compilation cache.
"""

from __future__ import annotations

from experiments import common
from jaxnas import io
from jaxnas.predictors import evaluation

_CONFIG = common.define_config(
    "experiments/configs/lce_eval.py", "LCE evaluation configuration.",
)


def main(argv):
    common.check_no_args(argv)
    cfg = _CONFIG.value
    workdir = common.workdir("results/lce_eval")
    rows = evaluation.evaluate(cfg, common.data_dir(), common.download())
    io.write_jsonl(workdir / "lce_eval.jsonl", rows)
    md = evaluation.markdown(rows, cfg.intervals, cfg.wpm_batch)
    io.write_text(workdir / "lce_eval.md", md)
    print(md)


if __name__ == "__main__":
    common.run(main)

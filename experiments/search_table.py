r"""A search table on any tabular benchmark: the config names the benchmarks, the methods
(registered searchers), their encodings and the table; all seeds of a method run at once under
``jax.vmap``.

    python -m experiments.search_table --config=experiments/configs/search_nb201.py \
        --data_dir=../shared/data --workdir=results/nb201_search
    python -m experiments.search_table --config=experiments/configs/search_nb101.py \
        --config.embeddings="('arch2vec=results/arch2vec_nb101_reference/embeddings.npz',)" \
        --data_dir=../shared/data --workdir=results/nb101_search

The README's main job (``experiments.nb201_search`` is this binary; pretrains arch2vec on NB201
with the reference settings, ~1 min, then runs the ``laptop`` table)::

    python -m experiments.nb201_search --config=experiments/configs/search_nb201.py:laptop \
        --pretrain --data_dir=../shared/data --workdir=results/nb201_main

Writes ``<name>.jsonl`` (one row per run), ``<name>.md`` (the table beside the published
numbers) and the curves ``<name>_<metric>.{png,svg}`` under ``--workdir``; see
:mod:`jaxnas.search.experiment` for the config schema.
"""

from __future__ import annotations

import pathlib

from absl import flags

from experiments import common
from jaxnas.search import experiment

_CONFIG = common.define_config(
    "experiments/configs/search_nb201.py", "Search-table configuration.",
)
_PRETRAIN = flags.DEFINE_bool(
    "pretrain",
    False,
    "If config.embeddings has no 'arch2vec' entry: first pretrain arch2vec with "
    "--pretrain_config into <workdir>/arch2vec_<space> (reused when complete) and search on "
    "its embeddings.",
)
_PRETRAIN_CONFIG = common.define_config(
    "experiments/configs/arch2vec_nb201.py:reference",
    "arch2vec pretraining config (only with --pretrain; its space must be config.space).",
    name="pretrain_config",
)


def main(argv):
    common.check_no_args(argv)
    c = _CONFIG.value
    workdir = common.workdir(f"results/{c.name}")
    named = {str(e).partition("=")[0] for e in c.embeddings}
    if _PRETRAIN.value and "arch2vec" not in named:
        p = _PRETRAIN_CONFIG.value
        if p.space != c.space:
            raise ValueError(f"--pretrain_config is for {p.space}, config.space is {c.space}")
        path = experiment.pretrained_embeddings(p, pathlib.Path(workdir) / f"arch2vec_{c.space}")
        c.embeddings = (*c.embeddings, f"arch2vec={path}")
    print(experiment.run_table(c, workdir, common.data_dir(), common.download()))


if __name__ == "__main__":
    common.run(main)

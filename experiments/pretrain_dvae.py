r"""D-VAE (Zhang et al. 2019) pretraining on a whole search space, evaluated as arch2vec's table.

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201

Writes under ``--workdir``: ``checkpoints/`` (params, optimiser state, model config),
``metrics.jsonl`` (loss curve), ``embeddings.npz`` (``ids [C]`` -> ``mu [C, 56]``),
``results.json`` (held-out reconstruction, validity / uniqueness under the space's rules and the
arch2vec reference's definitions, D-VAE's own prior validity, config, wall time). Rerunning with
the same ``--workdir`` resumes. See :func:`jaxnas.pretrain.dvae.train_and_evaluate`.
"""

from __future__ import annotations

from experiments import common
from jaxnas.pretrain import dvae

main = common.config_main(
    "experiments/configs/dvae_nb201.py",
    "D-VAE pretraining config.",
    lambda config, workdir: dvae.train_and_evaluate(config, workdir, common.data_dir()),
)


if __name__ == "__main__":
    common.run(main)

r"""Training a DARTS cell from scratch on CIFAR-10 (DARTS's evaluation protocol).

``:reference`` -- quark0/darts ``cnn/train.py --auxiliary --cutout`` (the command arch2vec and
CATE use for their DARTS cells): C = 36, 20 cells, SGD momentum 0.9, lr 0.025 cosine to 0, weight
decay 3e-4, batch 96, 600 epochs, cutout 16, drop-path 0.2 (linear in the epoch), auxiliary
weight 0.4, grad clip 5::

    python -m experiments.train_darts --config=experiments/configs/train_darts.py:reference \
        --config.genotype=DARTS_V2 --data_dir=/work/shared/data --workdir=results/darts_v2

DARTS reports 2.76 +- 0.09 % test error for DARTS_V2 (3.3M parameters); arch2vec-BO 2.56 +-
0.05 % (3.6M), CATE-Small 2.55 % (3.5M). Not run here: this session had no GPU, only a shared
2-core CPU. Measured there (``experiments/benchmarks/darts_throughput.py``, 2026-12-07, load
average 22-37 on 2 cores): this step (C = 36, 20 cells, batch 96) compiles in 30 min and takes
480 s wall / 44 CPU-seconds (0.20 images/s wall, 2.2 images per CPU-second); one epoch of 520
steps is 71 h wall at that load, ~6.4 CPU-hours of train steps, so 600 epochs ~3,800 CPU-hours:
a GPU job. ``small`` (C = 16, 8 cells, batch 64): 14.2 images per CPU-second. A rerun with
the same ``--workdir`` resumes from the latest checkpoint (one per epoch).

``:smoke`` -- a 2-cell network (C = 8), 4 steps of 8 images on synthetic data (CPU: 33 s wall
at load ~2, 3 min at load ~35; numbers meaningless). ``--config.data=file
--config.data_file=<tar.gz>`` reads a file in the
official format instead (the test writes a tiny one).

Other tokens (comma-separated, after the first): ``genotype=<name>``, ``epochs=<int>``.
"""

import ml_collections

from experiments.configs import pretrain_common


def _smoke(c: ml_collections.ConfigDict) -> None:
    c.channels, c.layers = 8, 2
    c.batch_size, c.epochs, c.num_steps = 8, 2, 4
    c.data, c.synthetic_train, c.synthetic_test = "synthetic", 16, 12
    c.log_every, c.checkpoint_every, c.eval_batch_size = 1, 2, 8


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.genotype = "DARTS_V2"  # a name of jaxnas.models.darts_network.KNOWN_GENOTYPES or a string
    c.channels = 36
    c.layers = 20
    c.auxiliary = True
    c.auxiliary_weight = 0.4
    c.drop_path_prob = 0.2
    c.cutout = 16
    c.batch_size = 96
    c.epochs = 600
    c.num_steps = 0  # 0: epochs * (50,000 // batch_size)
    c.stop_at_step = 0  # > 0: stop this invocation early (rerun to resume)
    c.learning_rate = 0.025
    c.momentum = 0.9
    c.weight_decay = 3e-4
    c.grad_clip = 5.0
    c.seed = 0
    c.data = "cifar10"  # 'cifar10' (registry) | 'file' (data_file) | 'synthetic'
    c.data_file = ""
    c.synthetic_train = 0
    c.synthetic_test = 0
    c.log_every = 100
    c.checkpoint_every = 0  # steps; 0: every epoch
    c.eval_every_epochs = 1  # the reference evaluates on the test set after every epoch
    c.eval_batch_size = 500
    return pretrain_common.apply_tokens(
        c, arg or "reference", {"reference": lambda c: None, "smoke": _smoke},
        {"genotype": ("genotype", str), "epochs": ("epochs", int)}, "train_darts",
    )  # fmt: skip

"""Shared pieces of the CATE pretraining configs (``cate_nb101.py``, ``cate_nb201.py``,
``cate_darts.py``).

Variants are selected with ``--config=experiments/configs/cate_<space>.py:<arg>`` where ``arg``
is a comma-separated list of:

* ``smoke`` -- tiny model (``cpu_tiny``), a few hundred cells, a few steps (numbers meaningless);
* ``cpu`` -- the ``cpu_small`` model preset (3 graph + 4 cross blocks, reference widths) and a
  batch of 256 pairs, for runs on a laptop-class CPU;
* ``delta=<float>`` / ``k=<int>`` -- one cell of the seed's delta x K ablation grid
  (:func:`jaxnas.pretrain.cate_pairs.ablation_grid`), e.g. ``:delta=4e6,k=8``;
* ``direct`` -- the direct (adjacency) attention mask instead of the transitive closure;
* ``two_cell`` -- DARTS: independent normal and reduction cells in one 30-node graph (the
  earlier jaxnas encoding) instead of CATE's one cell with the reduction cell tied to it;
* ``ancestors`` -- transpose the graph mask (a node attends to its ancestors; not CATE);
* ``jaxnas_v0`` -- the earlier jaxnas training, each deviation from CATE at once: symmetric
  pair windows, distinct PAD / MASK ids, uniform label smoothing, weight decay on everything,
  unscaled segment embedding, no head dropout, last (not best) parameters. Each is also a
  field of its own (``pair_window``, ``token_ids``, ``smoothing_support``, ``decay_all``,
  ``segment_scale``, ``head_dropout``, ``keep_best``).

The defaults are CATE's (MSU-MLSys-Lab/CATE ``run.py``, ``parameterLoader.py``,
``utils/utils.py``, ``layers/loss.py``, ``preprocessing/data_generate.py``): one-sided pair
windows, PAD 0 / MASK 1, smoothing mass on the non-PAD classes only, no weight decay on biases
and LayerNorm, segment embedding scaled by ``sqrt(d)`` with dropout, validation every 100 steps
keeping the best validation-KL parameters, and the ``'last'`` pooling (CATE's embedding, the
last position, a global pooling node under CATE's mask).
"""

import ml_collections

from experiments.configs import pretrain_common


def base_config(space: str) -> ml_collections.ConfigDict:
    """The paper's settings (reference model sizes and optimiser) for ``space``."""
    c = ml_collections.ConfigDict()
    c.space = space
    c.seed = 0
    # Data.
    c.num_cells = 0  # 0: all cells (NB101, NB201); DARTS: number of sampled genotypes
    c.attribute = "params"  # computational attribute for pair sampling: 'params' or 'flops'
    c.delta = 2e6  # window half-width, raw units of the attribute
    c.k = 2  # partners per architecture
    c.pair_window = "one_sided"  # CATE: partners among smaller attributes; or "symmetric"
    c.train_fraction = 0.95  # split of the *architectures*; pairs are sampled within each part
    c.max_eval_pairs = 20_000  # held-out pairs evaluated (first ones; 0: all)
    c.nb101_hashes = False  # export NB101 ids as official hashes (else enumeration index)
    c.nb201_dataset = "cifar10"
    c.darts_cells = ("normal",)  # CATE: one 15-node cell; ("normal", "reduce"): 30 nodes
    c.darts_tie_reduce = True  # CATE: reduce_cell = normal_cell.copy()
    # Model (jaxnas.models.cate presets).
    c.preset = "reference"
    c.dropout = 0.1
    c.indirect = True
    c.ancestors = False  # transpose the graph mask (node attends to its ancestors)
    c.token_ids = "reference"  # CATE's PAD 0 / MASK 1, or "distinct"
    c.segment_scale = True  # CATE: segment embedding * sqrt(d), dropout
    c.head_dropout = True  # CATE: dropout inside the MLM head
    # MLM.
    c.select_prob = 0.2
    c.mask_prob = 0.8
    c.label_smoothing = 0.1
    c.smoothing_support = "ops"  # CATE: no smoothing mass on PAD (/ MASK); or "uniform"
    # Optimisation.
    c.batch_size = 1024  # pairs
    c.epochs = 10
    c.num_steps = 0  # 0: epochs * (train pairs // batch_size)
    c.stop_at_step = 0  # >0: stop this invocation early (resume later with the same config)
    c.learning_rate = 1e-3
    c.weight_decay = 0.01
    c.warmup_steps = 100
    c.decay_all = False  # CATE: no weight decay on biases and LayerNorm
    # Logging / outputs.
    c.log_every = 50
    c.eval_every = 100  # held-out KL every this many steps (CATE: 100); 0: at the end only
    c.keep_best = True  # embed with the best held-out-KL parameters (CATE's best checkpoint)
    c.checkpoint_every = 500
    c.pooling = "last"  # CATE's embedding; or 'output' (last real node), 'mean' (real nodes)
    c.embed_batch_size = 4096
    return c


def space_config(space: str, arg: str | None, **pairs):
    """:func:`base_config` of ``space`` with its pair-sampling settings ``pairs`` (attribute,
    delta, k), then the variant tokens ``arg``."""
    c = base_config(space)
    c.update(pairs)
    return apply_variant(c, arg)


def _smoke(c: ml_collections.ConfigDict) -> None:
    c.update({"preset": "cpu_tiny", "num_cells": 300, "batch_size": 16, "num_steps": 6,
              "max_eval_pairs": 64, "log_every": 2, "checkpoint_every": 3, "eval_every": 2,
              "warmup_steps": 2, "embed_batch_size": 128})  # fmt: skip


def _jaxnas_v0(c: ml_collections.ConfigDict) -> None:
    c.update({"pair_window": "symmetric", "token_ids": "distinct", "smoothing_support": "uniform",
              "decay_all": True, "segment_scale": False, "head_dropout": False,
              "keep_best": False})  # fmt: skip


VARIANTS = {
    "smoke": _smoke,
    "cpu": lambda c: c.update({"preset": "cpu_small", "batch_size": 256}),
    "direct": lambda c: setattr(c, "indirect", False),
    "ancestors": lambda c: setattr(c, "ancestors", True),
    "two_cell": lambda c: c.update(
        {"darts_cells": ("normal", "reduce"), "darts_tie_reduce": False}
    ),
    "jaxnas_v0": _jaxnas_v0,
}
"""The named variant tokens of the module docstring (``delta=`` and ``k=`` also)."""


def apply_variant(c: ml_collections.ConfigDict, arg: str | None) -> ml_collections.ConfigDict:
    """Applies the comma-separated variant tokens of the module docstring."""
    keyed = {"delta": ("delta", float), "k": ("k", int)}
    return pretrain_common.apply_tokens(c, arg, VARIANTS, keyed, "CATE")

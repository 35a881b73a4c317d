r"""D-VAE pretraining on NAS-Bench-101 (423,624 cells, up to 7 vertices, padded).

Reference hyper-parameters (``dvae_common``). All cells, 381,262 training cells = 11,914 steps
per epoch::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb101.py \
        --workdir=results/dvae_nb101

A random subset and fewer epochs: ``:cells=50000,epochs=3``. Smoke run: ``:smoke``.

Cost at the reference width, measured 2026-12-07 with ``experiments/benchmarks/dvae_step.py``
(5 interleaved rounds, medians, shared 2-core CPU, load average 4-8): a batch-32 step on NB101
cells is ~12.5 GFLOP and takes 203 ms wall / 135 ms of process CPU (the code before the
per-vertex heads 389 / 194; the reference PyTorch D-VAE 494 / 339, one thread): 40 min wall per
epoch of 11,914 steps, and the reference's 300 epochs ~134 CPU-hours (~200 h wall at that load).
On the otherwise idle machine: 67 ms wall per step (reference 195 ms at 2 threads), ~66 h for the
300 epochs.
``--config.embed_benchmark=nb101_20k`` (with ``--data_dir``) also embeds the 20,001 NB101-20k
cells (the encoding comparison and the NB101 embedding study read them).

Measured 2026-12-07, before the per-vertex heads (seed 0, 2-core CPU shared with ~15 other jobs,
load average 20-37). All cells does not fit here: at the reference width (hidden 501) a step
took ~3.0 s (150 steps in 453 s), i.e. ~10 h per epoch of 11,914 steps (~40 min/epoch at the 0.2
s/step of a quieter machine; the reference's 300 epochs: ~200 h even then); at hidden 128
loading the 423,624 cells alone took 11 min and one epoch would take ~40-70 min at the 3-5
steps/s seen. Run instead: a random 20,000-cell subset (18,000 train / 2,000 held out), 10
epochs, hidden 128, lr 1e-3 (everything else as the reference), 5,620 steps in 1,583 s (0.28
s/step), 2,450 s in all::

    python -m experiments.pretrain_dvae \
        --config=experiments/configs/dvae_nb101.py:cells=20000,epochs=10 \
        --workdir=results/dvae_nb101_20k_h128 --config.hidden=128 \
        --config.learning_rate=1e-3 --config.embed_benchmark=nb101_20k --data_dir=../shared/data

Held-out (2,000 cells, greedy decode of mu): op 85.62%, edge 81.18%, accuracy 83.40%, exact
12.05%; D-VAE's own metric (1 x 1) 10.5%. 10,000 samples from N(mean, std) of the training mu:
validity 87.03%, uniqueness 38.27% (NB101's own rule = the arch2vec reference's here); prior N(0,
I), stochastic, 1,000 samples: validity 84.2%, uniqueness 92.4%. Embeddings: 39,076 cells (the
subset plus NB101-20k). Under-trained, on a 4.7% subset: not D-VAE's published setting.
"""

from experiments.configs import dvae_common


def get_config(arg: str | None = None):
    return dvae_common.apply_variant(dvae_common.base_config("nb101", epochs=10), arg)

r"""D-VAE pretraining on all 15,625 NAS-Bench-201 cells (8-vertex ops-on-nodes graphs).

Reference hyper-parameters (``dvae_common``); 14,062 training cells, 439 steps per epoch::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201

Smoke run: ``:smoke``. Fewer epochs: ``:epochs=5``.

Cost at the reference width, measured 2026-12-07 with ``experiments/benchmarks/dvae_step.py``
(5 interleaved rounds, medians, 2-core CPU shared with other jobs, load average 4-8): a batch-32
step is ~15 GFLOP of dense matmuls (compute-bound) and takes 231 ms wall / 153 ms of process CPU
(8 steps per compiled call; one step per call 319 / 198; the code before the per-vertex heads
349 / 231; the reference PyTorch D-VAE 821 / 540, one thread). The reference's 300 epochs are
131,700 steps: ~5.6 CPU-hours, ~8.5 h wall at that load (~100 s per epoch), too long for this
machine; the 20 epochs of this config ~34 min wall of training plus the evaluation. Measured again
on the otherwise idle machine (same benchmark, 2026-12-07): 77 ms wall / 147 ms CPU per step
(reference 321 / 640 ms at 2 threads), so the 300 epochs ~2.8 h wall.

This config as is (hidden 501, lr 1e-4, 8 steps per call), stopped for time at the step-6,000
checkpoint (13.7 of 20 epochs; 6,200 steps in 41 min wall with ~5 min of compilation, load 4-9;
~0.28 s/step once the other jobs eased), then evaluated (84 s)::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201_h501         # killed after step 6200, then:
    python -m experiments.pretrain_dvae ... same flags ... --config.stop_at_step=6000

Teacher-forced NLL 6.6-6.9 nats/graph at steps 5,800-6,200 (still falling). Held-out (1,563
cells, greedy decode of mu): op 64.53%, edge 67.17%, accuracy 65.85%, exact 0.26%; D-VAE's own
metric (1 x 1) 0.38%. 10,000 samples from N(mean, std) of the training mu: validity 0.00% (exact
NB201 cells); arch2vec's reference definitions 97.00% / uniqueness 3.99%. Prior N(0, I), 1,000
samples: validity 0.1%. Under-trained; rerunning the first command resumes from step 6,000.

Measured 2026-12-07, before the per-vertex heads (seed 0, 2-core CPU shared with ~15 other jobs,
load average 20-37). The reference width did not fit this CPU then: hidden 501 ran at ~3.3
s/step (200 steps in 653 s; 439 steps per epoch, so ~24 min/epoch and ~120 h for the reference's
300 epochs; 0.22 s/step = 97 s/epoch when the machine was quieter) and its teacher-forced NLL
sat at 16.7 nats/graph after 250 steps at lr 1e-4. The run reported is therefore a reduced
setting -- hidden 128, lr 1e-3, everything else as the reference -- stopped after 7,000 of 8,780
steps (15.9 epochs; NLL had plateaued at ~3.6 nats/graph from step ~6,000; 0.33 s/step, ~39 min)::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201_h128 --config.hidden=128 --config.learning_rate=1e-3 \
        --config.checkpoint_every=200           # stopped (killed) after step 7000, then:
    python -m experiments.pretrain_dvae ... same flags ... --config.stop_at_step=7000  # eval, 292 s

Held-out (1,563 cells, greedy decode of mu): op 69.81%, edge 69.74%, accuracy 69.77%, exact
7.36%; D-VAE's own metric (sampled z, stochastic decode, 1 x 1) 11.58% exact. 10,000 samples from
N(mean, std) of the training mu: validity 1.09% / uniqueness 56.88% (exact NB201 cells); under
arch2vec's reference definitions (labels only) 94.79% / 8.48%. Prior N(0, I), stochastic, 1,000
samples: validity 1.5%. The model is under-trained (the reference trains 300 epochs at hidden
501); these are not D-VAE's published numbers.
"""

from experiments.configs import dvae_common


def get_config(arg: str | None = None):
    return dvae_common.apply_variant(dvae_common.base_config("nb201", epochs=20), arg)

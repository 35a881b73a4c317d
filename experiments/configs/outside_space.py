r"""Outside-search-space generalisation (CATE, Sec. 5): adjacency vs learned encodings, MLP.

    python -m experiments.outside_space --config=experiments/configs/outside_space.py \
        --config.embeddings="('cate=results/cate_nb101/embeddings.npz',)" \
        --data_dir=../shared/data --workdir=results/outside_space

Train an MLP predictor of the 108-epoch validation accuracy on the NB101-20k cells with fewer
than 7 vertices and at most 7 edges; test on the 6-vertex cells with at least 7 edges (cells
with exactly 6 vertices and 7 edges satisfy both rules; they are test cells and are removed from
training, so the two sets are disjoint). Only the 20,001 labelled cells are available, so both
sets are the labelled members of these classes (the binary prints the counts). Metrics on the
test set, mean +- std over ``seeds`` predictor initialisations: RMSE (accuracy points, %),
Pearson r, Spearman rho and Kendall tau (REFERENCE.md's predictive-study metrics plus rank
correlations).

Encodings: hand-made ones (``encodings``, default the adjacency one-hot) and learned ones from
``embeddings`` (``name=path`` entries, ``embeddings.npz`` with NB101 hashes as ids; CATE's is the
paper's comparison; an encoding absent here is reported as skipped). A learned encoding must
come from a model pretrained on the whole space (as in CATE) -- that is what lets it place the
unseen 7-edge cells.

Variants: '' and 'smoke' (2 seeds, tiny MLP, few epochs; numbers meaningless).

Published: CATE reports that its encoding generalises better outside the training space than
the adjacency encoding; the reference notes here do not list its numbers.

Measured (default config, 5 seeds): the labelled cells split into 157 training cells (2, 3, 4,
5-vertex cells and 6-vertex cells with <= 6 edges) and 2,860 test cells (313 / 932 / 1,615
with 7 / 8 / 9 edges) -- far fewer training cells than CATE had on the full space (the
20,001 labelled cells hold 130 five-vertex and 2,917 six-vertex cells). Adjacency one-hot:
RMSE 1.971±0.149 %, Pearson 0.682±0.015, Spearman 0.614±0.025, Kendall 0.443±0.020.
With the learned encodings pretrained on all 423,624 cells (``--config.embeddings`` arch2vec
``:reference``, CATE ``:cpu``; 50 s in all): arch2vec RMSE 1.925±0.120, Pearson 0.779±0.013,
Spearman 0.711±0.016, Kendall 0.523±0.015; CATE RMSE 2.230±0.148, Pearson 0.739±0.006,
Spearman 0.627±0.014, Kendall 0.449±0.012. Both learned encodings rank the unseen 7-9-edge
cells better than the adjacency encoding (CATE's claim), but CATE's (CPU-preset) encoding has
the worst RMSE, and arch2vec's is better than CATE's on every metric here.
"""

import ml_collections


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.benchmark = "nb101-20k"  # a registered NB101 benchmark (jaxnas.benchmarks)
    c.encodings = ("adjacency_one_hot",)
    c.embeddings = ()  # ('cate=path/embeddings.npz', ...)
    c.max_train_vertices = 6  # train: vertices <= this (i.e. < 7) ...
    c.max_train_edges = 7  # ... and edges <= this
    c.test_vertices = 6  # test: exactly this many vertices ...
    c.min_test_edges = 7  # ... and at least this many edges
    c.seeds = 5
    c.hidden = (128, 128)
    c.activation = "relu"
    c.num_epochs = 200
    c.batch_size = 32
    c.learning_rate = 1e-3
    c.loss = "mse"
    if arg == "smoke":
        c.seeds = 2
        c.hidden = (8,)
        c.num_epochs = 2
    elif arg not in (None, ""):
        raise ValueError(f"unknown config variant {arg!r}; use '' or 'smoke'")
    return c

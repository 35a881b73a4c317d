"""Independent checks of CATE embeddings shared by the CATE tests (a helper module, not a
test module): which cells CATE's graph encoder can tell apart, and an assertion that embeddings
separate exactly those."""

from collections import Counter
from fractions import Fraction

import numpy as np


def _proportions(colours):
    n = len(colours)
    return frozenset((c, Fraction(k, n)) for c, k in Counter(colours).items())


def cate_classes(mask, tokens, token_mask, rounds):
    """Which cells CATE's graph encoder can tell apart, by colour refinement (independent of
    the model): a position's colour is its token; each block maps it to (colour, proportions
    of the colours of the keys it attends to -- all positions when its mask row is empty).
    Attention weights depend only on the two colours and the output on the proportions, so
    equal colours mean equal outputs. Returns the pooled class per cell for each pooling."""
    table: dict = {}
    cols = [[table.setdefault(("t", int(t)), len(table)) for t in row] for row in tokens]
    n = tokens.shape[1]
    for _ in range(rounds):
        new = []
        for b, row in enumerate(cols):
            keys = [np.flatnonzero(mask[b, q]) for q in range(n)]
            keys = [k if len(k) else np.arange(n) for k in keys]
            sig = [(row[q], _proportions([row[k] for k in keys[q]])) for q in range(n)]
            new.append([table.setdefault(x, len(table)) for x in sig])
        cols = new
    return {
        "last": [row[-1] for row in cols],
        "output": [row[int(token_mask[b].sum()) - 1] for b, row in enumerate(cols)],
        "mean": [
            _proportions([row[q] for q in np.flatnonzero(token_mask[b])])
            for b, row in enumerate(cols)
        ],
    }


def assert_distinct_as_classes(emb, classes, min_gap=1e-3, max_same=1e-4):
    """Embeddings of cells in different classes are apart, in the same class equal."""
    e = np.asarray(emb, np.float64)
    d = np.sqrt(((e[:, None] - e[None]) ** 2).sum(-1))
    ids = np.unique(np.array([hash(c) for c in classes]), return_inverse=True)[1]
    same = ids[:, None] == ids[None]
    off = ~np.eye(len(e), dtype=bool)
    assert d[~same].min() > min_gap, d[~same].min()
    if (same & off).any():
        assert d[same & off].max() < max_same, d[same & off].max()
    return len(set(ids.tolist()))

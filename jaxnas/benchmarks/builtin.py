"""The built-in tabular benchmarks, built from the real upstream files via :mod:`jaxnas.data`.

Accuracies are fractions in ``[0, 1]`` (the NB201 files store percent; they are divided by 100
here). Every benchmark says in ``source`` which files (and sha256) its numbers come from.

* :func:`nb101_20k` -- the 20,001 NAS-Bench-101 models of ``nasbench_vis_data-20k.json``, graphs
  recovered by hash; fidelities 4/12/36/108 epochs, one run each; validation accuracy only.
* :func:`nb101_ec` -- the 91 cells with at most 4 vertices of EC-NAS-Bench, retrained with the
  NAS-Bench-101 protocol: 4 budgets x 3 seeds, train/validation/test accuracy, time, energy.
* :func:`nb201` -- all 15,625 NAS-Bench-201 cells on one dataset: final validation accuracy
  (NASLib's files); CIFAR-10 test accuracy where the dataset is CIFAR-10.
* :func:`nbnlp_wt2` -- the 345 NAS-Bench-NLP WikiText-2 runs, per-epoch losses for 50 epochs.
"""

from __future__ import annotations

import numpy as np

from jaxnas.benchmarks import base, tabular
from jaxnas.data import nb101 as d101
from jaxnas.data import nb201 as d201
from jaxnas.data import nbnlp as dnlp
from jaxnas.data import tables
from jaxnas.spaces import nb101
from jaxnas.spaces import nb201 as nb201_space


def _source(*names: str, data_dir=None) -> str:
    parts = []
    for name in names:
        path, sha = tables.source_path_and_sha(name, data_dir, None, False)
        parts.append(f"{name} ({path}, sha256 {sha[:12]}...)")
    return "; ".join(parts)


def _restrict_table(table: np.ndarray, rows: np.ndarray, universe: int) -> np.ndarray:
    """Maps a neighbour table over a universe of indices to positions among ``rows``."""
    pos = np.full(universe, -1, np.int64)
    pos[rows] = np.arange(len(rows))
    out = np.where(table >= 0, pos[np.maximum(table, 0)], -1)
    order = np.argsort(out < 0, axis=1, kind="stable")
    out = np.take_along_axis(out, order, 1)
    width = max(1, int((out >= 0).sum(axis=1).max()))
    return out[:, :width].astype(np.int32)


@base.register("nb101-20k")
def nb101_20k(data_dir=None, download: bool = True) -> tabular.TabularBenchmark:
    """NB101-20k: 20,001 labelled NAS-Bench-101 cells (``nasbench_vis_data-20k.json``).

    Metrics ``[20001, 4, 1]`` at 4/12/36/108 epochs: ``valid_acc``; ``train_time`` in seconds.
    The file holds only the 108-epoch training time; lower budgets cost that time scaled by
    ``epochs / 108`` (a declared approximation). ``arch['params']``: trainable parameters.
    Mutation moves to one-edit neighbours that are among the 20,001 cells (a 4.7% sample of
    the space, so about one neighbour per cell on average; many cells have none).
    """
    t = d101.load_nb101_vis(data_dir, download=download)
    rows = nb101.index_of_hash(t.module_hash.tolist())
    if (rows < 0).any():
        bad = t.module_hash[rows < 0][0]
        raise ValueError(f"nb101_20k: hash {bad} is not a NAS-Bench-101 cell")
    adjacency, ops = nb101.enumerate_cells()
    budgets = tuple(int(b) for b in t.budgets)
    times = t.training_time[:, None] * (np.asarray(budgets) / 108.0)[None, :]
    table = nb101.neighbour_table(rows)
    return tabular.make(
        name="nb101-20k",
        space="nb101",
        keys=t.module_hash,
        metrics={"valid_acc": t.validation_accuracy, "train_time": times},
        fidelities=budgets,
        neighbours=_restrict_table(table, rows, len(ops)),
        cost_model="train_time",
        source=_source("nb101_vis_20k", data_dir=data_dir),
        arch={
            "adjacency": adjacency[rows],
            "ops": ops[rows],
            "enumeration_index": rows,
            "params": t.trainable_parameters,
        },
        cells=(adjacency[rows], ops[rows]),
        index=rows,
    )


@base.register("nb101-ec")
def nb101_ec(data_dir=None, download: bool = True) -> tabular.TabularBenchmark:
    """NB101-EC: the 91 NAS-Bench-101 cells with <= 4 vertices from EC-NAS-Bench.

    Metrics ``[91, 4, 3]`` (budgets 4/12/36/108, three seeds): ``train_acc``, ``valid_acc``,
    ``test_acc``, ``train_time`` (seconds, at the end of the run) and ``energy`` (kWh) --
    multi-seed, so queries draw one seed as the NAS-Bench-101 API does.
    """
    t = d101.load_nb101_tfrecord("nb101_ecnas_4v9e", data_dir, download=download)
    hashes = sorted(set(t.module_hash.tolist()))
    budgets = tuple(sorted(int(e) for e in set(t.epochs.tolist())))
    repeats = int(t.repeat.max()) + 1
    h_pos = {h: i for i, h in enumerate(hashes)}
    shape = (len(hashes), len(budgets), repeats)
    names = {
        "train_acc": t.train_accuracy,
        "valid_acc": t.validation_accuracy,
        "test_acc": t.test_accuracy,
        "train_time": t.training_time,
        "energy": t.energy,
    }
    metrics = {k: np.full(shape, np.nan) for k in names}
    last = t.num_evaluations.astype(np.int64) - 1
    for r in range(len(t.module_hash)):
        i = h_pos[t.module_hash[r]]
        f = budgets.index(int(t.epochs[r]))
        for k, col in names.items():
            metrics[k][i, f, t.repeat[r]] = col[r, last[r]]
    first = {}
    for r, h in enumerate(t.module_hash.tolist()):
        first.setdefault(h, r)
    adjacency = np.stack([t.adjacency[first[h]] for h in hashes])
    ops = np.stack([t.ops[first[h]] for h in hashes]).astype(np.int32)
    rows = nb101.index_of_hash(hashes)
    n_all = len(nb101.enumerate_cells()[1])
    return tabular.make(
        name="nb101-ec",
        space="nb101",
        keys=np.array(hashes),
        metrics=metrics,
        fidelities=budgets,
        neighbours=_restrict_table(nb101.neighbour_table(rows), rows, n_all),
        cost_model="train_time",
        source=_source("nb101_ecnas_4v9e", data_dir=data_dir),
        arch={"adjacency": adjacency, "ops": ops, "enumeration_index": rows},
        cells=(adjacency, ops),
        index=rows,
    )


NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


@base.register("nb201-cifar10", dataset="cifar10")
@base.register("nb201-cifar100", dataset="cifar100")
@base.register("nb201-ImageNet16-120", dataset="ImageNet16-120")
def nb201(
    dataset: str = "cifar10", data_dir=None, download: bool = True
) -> tabular.TabularBenchmark:
    """NB201 on one dataset: all 15,625 cells, final (200-epoch) validation accuracy.

    Metrics ``[15625, 1, 1]``: ``valid_acc`` (NASLib's files) and ``test_acc`` (the seed-mean
    CIFAR-10 test accuracy of nasbench-vis; NaN for the other datasets). The files have no
    training times, so the cost model is declared as one unit per query
    (``cost_model='queries'``). Rows are in official API index order; keys are arch strings.
    """
    if dataset not in NB201_DATASETS:
        raise ValueError(f"unknown NB201 dataset {dataset!r}; choose one of {NB201_DATASETS}")
    t = d201.load_nb201(data_dir, download=download)
    d = list(t.datasets).index(dataset)
    valid = t.val_accuracy[:, d] / 100.0
    test = t.test_accuracy_cifar10 / 100.0 if dataset == "cifar10" else np.full(len(valid), np.nan)
    cells = nb201_space.all_cells()
    if list(t.arch_str) != list(nb201_space.all_arch_strs()):
        raise ValueError("nb201: the data file's arch order differs from the official order")
    # Neighbours: every single edge-op change (24 per cell), vectorised over all cells.
    cols = []
    for e in range(nb201_space.NUM_EDGES):
        for shift in range(1, nb201_space.NUM_OPS):
            c = cells.copy()
            c[:, e] = (c[:, e] + shift) % nb201_space.NUM_OPS
            cols.append(np.asarray(nb201_space.index_of(c)))
    neigh = np.stack(cols, axis=1)
    return tabular.make(
        name=f"nb201-{dataset}",
        space="nb201",
        keys=t.arch_str,
        metrics={"valid_acc": valid, "test_acc": test},
        fidelities=(200,),
        neighbours=neigh,
        cost_model="queries",
        source=_source("nb201_naslib_zen", "nb201_vis_arch", data_dir=data_dir),
        arch={"cells": cells},
        cells=cells,
        choices=cells,
        num_options=nb201_space.NUM_OPS,
        index=np.asarray(nb201_space.index_of(cells), np.int64),
    )


@base.register("nbnlp-wt2")
def nbnlp_wt2(data_dir=None, download: bool = True) -> tabular.TabularBenchmark:
    """NB-NLP WikiText-2: 345 recurrent cells, per-epoch losses over epochs 1..50.

    Metrics ``[345, 50, 1]``: ``train_loss``, ``valid_loss``, ``test_loss``, ``valid_ppl``
    (``exp(valid_loss)``) and ``train_time`` (cumulative wall time up to that epoch, seconds).
    Diverged or short runs are kept, with NaN where no finite value was logged; their status is
    in ``arch['status']`` (``ok`` / ``diverged`` / ``short``). Lower loss is better.
    """
    t = dnlp.load_nbnlp(data_dir, download=download)
    epochs = tuple(range(1, t.val_loss.shape[1] + 1))
    finite = lambda x: np.where(np.isfinite(x), x, np.nan)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        ppl = np.exp(finite(t.val_loss))
    return tabular.make(
        name="nbnlp-wt2",
        space="nlp",
        keys=t.filename,
        metrics={
            "train_loss": finite(t.train_loss),
            "valid_loss": finite(t.val_loss),
            "test_loss": finite(t.test_loss),
            "valid_ppl": ppl,
            "train_time": np.cumsum(t.wall_time, axis=1),
        },
        fidelities=epochs,
        cost_model="train_time",
        source=_source("nbnlp_wikitext2_logs", data_dir=data_dir),
        arch={"recipe": t.recipe, "status": t.status, "num_params": t.num_params},
    )


__all__ = ["NB201_DATASETS", "nb101_20k", "nb101_ec", "nb201", "nbnlp_wt2"]

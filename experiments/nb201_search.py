r"""The seed's NB201 search table: RS, RE, REINFORCE, BO, arch2vec-RL and arch2vec-BO,
vmapped over many seeds.

    python -m experiments.nb201_search --config=experiments/configs/search_nb201.py \
        --config.embeddings=results/arch2vec_nb201_reference/embeddings.npz \
        --data_dir=../shared/data --workdir=results/nb201_search

The README's main job (pretrains arch2vec on NB201 with the reference settings, ~1 min, then
runs the ``laptop`` table -- 3 datasets, 100 seeds, 10 for arch2vec-BO -- in a few minutes)::

    python -m experiments.nb201_search --config=experiments/configs/search_nb201.py:laptop \
        --pretrain --data_dir=../shared/data --workdir=results/nb201_main

For each dataset and method, runs the configured seeds (all seeds of a chunk at once under
``jax.vmap``) for ``num_queries`` queries, prints mean +- std of the final incumbent's validation
accuracy (and CIFAR-10 test accuracy) beside the seed's published numbers, and writes
``nb201_search.jsonl`` (one row per run), ``nb201_search.md`` and the curves
``nb201_search_regret.{png,svg}`` under ``--workdir``. See the config's docstring for how the
data and budgets differ from the seed's.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # jaxlib's CPU linalg; see the report

import json  # noqa: E402
import pathlib  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxnas import encodings  # noqa: E402
from jaxnas.benchmarks import builtin, tabular  # noqa: E402
from jaxnas.pretrain import arch2vec  # noqa: E402
from jaxnas.search import (  # noqa: E402
    base,
    bayesopt,
    embedding_rl,
    evolution,
    local,
    plotting,
    policy,
    problem,
    results,
    sampling,
)

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/search_nb201.py", "Search configuration.", lock_config=True
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string("workdir", "results/nb201_search", "Where results are written.")
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")
_PRETRAIN = flags.DEFINE_bool(
    "pretrain",
    False,
    "If config.embeddings is empty: first pretrain arch2vec on NB201 with --pretrain_config "
    "into <workdir>/arch2vec_nb201 (reused when complete) and search on its embeddings.",
)
_PRETRAIN_CONFIG = config_flags.DEFINE_config_file(
    "pretrain_config",
    "experiments/configs/arch2vec_nb201.py:reference",
    "arch2vec pretraining config (only with --pretrain).",
    lock_config=True,
)

# The seed's table: (valid mean, valid std, test mean, test std) in %.
SEED_TABLE = {
    "RE": {
        "cifar10": (91.08, 0.43, 93.84, 0.43),
        "cifar100": (73.02, 0.46, 72.86, 0.55),
        "ImageNet16-120": (45.78, 0.56, 45.63, 0.64),
    },
    "RS": {
        "cifar10": (90.94, 0.38, 93.75, 0.37),
        "cifar100": (72.17, 0.64, 72.05, 0.77),
        "ImageNet16-120": (45.47, 0.65, 45.33, 0.79),
    },
    "REINFORCE": {
        "cifar10": (91.03, 0.33, 93.82, 0.31),
        "cifar100": (72.35, 0.63, 72.13, 0.79),
        "ImageNet16-120": (45.58, 0.62, 45.30, 0.86),
    },
    "BOHB": {
        "cifar10": (90.82, 0.53, 93.61, 0.52),
        "cifar100": (72.59, 0.82, 72.37, 0.90),
        "ImageNet16-120": (45.44, 0.70, 45.26, 0.83),
    },
    "arch2vec-RL": {
        "cifar10": (91.32, 0.42, 94.12, 0.42),
        "cifar100": (73.13, 0.72, 73.15, 0.78),
        "ImageNet16-120": (46.22, 0.30, 46.16, 0.38),
    },
    "arch2vec-BO": {
        "cifar10": (91.41, 0.22, 94.18, 0.24),
        "cifar100": (73.35, 0.32, 73.37, 0.30),
        "ImageNet16-120": (46.34, 0.18, 46.27, 0.37),
    },
}
SEED_NAME = {
    "rs": "RS",
    "rea": "RE",
    "reinforce": "REINFORCE",
    "arch2vec_rl": "arch2vec-RL",
    "arch2vec_bo": "arch2vec-BO",
}
LABEL = {
    "rs": "RS",
    "rea": "RE",
    "reinforce": "REINFORCE",
    "ls": "LS",
    "bo_dngo": "BO (DNGO)",
    "bo_gp": "BO (GP)",
    "bananas": "BANANAS",
    "neural_predictor": "NP",
    "arch2vec_rl": "arch2vec-RL",
    "arch2vec_bo": "arch2vec-BO",
}
EMBEDDING_METHODS = ("arch2vec_rl", "arch2vec_bo")


def make_searcher(name: str, c) -> base.Searcher:
    if name == "rs":
        return sampling.random_search()
    if name == "rea":
        return evolution.regularized_evolution(
            c.rea.population_size, c.rea.sample_size, c.rea.avoid_repeats
        )
    if name == "ls":
        return local.local_search()
    if name == "reinforce":
        return policy.reinforce(**c.reinforce.to_dict())
    if name == "arch2vec_rl":
        return embedding_rl.arch2vec_rl(**c.arch2vec_rl.to_dict())
    if name in ("bo_dngo", "arch2vec_bo"):
        b = c.bo
        return bayesopt.dngo_bo(
            num_init=b.num_init,
            batch_size=b.batch_size,
            acquisition_fn=b.acquisition,
            target=b.target,
            hidden=tuple(b.hidden),
            num_epochs=b.num_epochs,
            mlp_batch_size=b.dngo_batch_size,
            learning_rate=b.learning_rate,
        )
    raise ValueError(f"unknown method {name!r}")


def encoding_table(name: str, bench: tabular.TabularBenchmark) -> np.ndarray:
    """``[N, D]`` table: a hand-made encoding, a ``file:<path.npy>`` table in row order, or
    ``emb:<embeddings.npz>`` (aligned by id, see :func:`jaxnas.search.problem.embedding_table`)."""
    if name.startswith("file:"):
        x = np.load(name[len("file:") :]).astype(np.float32)
        if x.ndim != 2 or x.shape[0] != bench.size:
            raise ValueError(f"{name}: need a [{bench.size}, D] table, got {x.shape}")
        return x
    if name.startswith("emb:"):
        return problem.embedding_table(bench, name[len("emb:") :])
    return encodings.encode("nb201", name, bench.arch["cells"])


def method_encoding(method: str, c) -> str | None:
    """The encoding a method searches over ('none' for model-free methods over the discrete
    space; None when it needs embeddings and the config gives none)."""
    if method in EMBEDDING_METHODS:
        return f"emb:{c.embeddings}" if c.embeddings else None
    if method.startswith("bo") or method in ("bananas", "neural_predictor"):
        return c.encoding
    return "none"


def run_table(c, workdir, data_dir=None, download: bool = True) -> str:
    """Runs every (dataset, method) of config ``c``; writes ``nb201_search.jsonl``,
    ``nb201_search.md`` and the regret plot under ``workdir``; returns the table text."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    all_rows, table, notes, searchers = [], [], [], {}
    if c.embeddings and not pathlib.Path(c.embeddings).is_file():
        raise FileNotFoundError(f"config.embeddings: no such file {c.embeddings}")
    for dataset in c.datasets:
        bench = builtin.nb201(dataset, data_dir, download=download)
        _, optimum = tabular.best(bench, "valid_acc")
        tables = {}
        for method in c.methods:
            enc = method_encoding(method, c)
            if enc is None:
                note = f"{LABEL[method]} skipped: no arch2vec embeddings (set config.embeddings)"
                if note not in notes:
                    notes.append(note)
                logging.warning(note)
                continue
            if enc not in tables:
                tables[enc] = (
                    np.zeros((bench.size, 1), np.float32)
                    if enc == "none"
                    else encoding_table(enc, bench)
                )
            prob = problem.from_benchmark(bench, tables[enc])
            # One Searcher per method: jit caches on it, so later datasets reuse the compile.
            searcher = searchers.setdefault(method, make_searcher(method, c))
            expensive = method.endswith("bo") or method.startswith("bo_")
            seeds = list(range(c.bo_seeds if expensive else c.seeds))
            t0, trajs = time.time(), []
            for i in range(0, len(seeds), c.seed_chunk):
                chunk = seeds[i : i + c.seed_chunk]
                trajs.append(base.run_seeds(searcher, prob, base.seed_keys(chunk), c.num_queries))
            traj = jax.tree.map(lambda *a: np.concatenate(a), *trajs)
            seconds = time.time() - t0
            label_enc = "arch2vec" if enc.startswith("emb:") else enc
            rows = results.run_rows(
                traj,
                algorithm=LABEL[method],
                encoding=label_enc,
                benchmark=bench.name,
                seeds=seeds,
                config=c.to_dict() | {"method": method},
                source=bench.source + (f"; embeddings {enc[4:]}" if enc.startswith("emb:") else ""),
                optimum=optimum,
            )
            all_rows += rows
            v = 100 * np.asarray(traj.best_y[:, -1])
            t = 100 * np.asarray(traj.best_test[:, -1])
            table.append((dataset, method, len(seeds), v, t, seconds))
            logging.info("%s %s: %d seeds in %.1f s", dataset, method, len(seeds), seconds)
    results.write_jsonl(workdir / "nb201_search.jsonl", all_rows, append=False)
    text = format_table(table, c.num_queries, notes, c.embeddings)
    (workdir / "nb201_search.md").write_text(text + "\n")
    if all_rows:
        plotting.plot(all_rows, workdir / "nb201_search_regret", metric="regret")
    return text


def pretrained_embeddings(pretrain_config, workdir: pathlib.Path) -> pathlib.Path:
    """``embeddings.npz`` of a complete arch2vec pretraining under ``workdir`` (run if needed)."""
    if pretrain_config.space != "nb201":
        raise ValueError(f"--pretrain_config must be an NB201 config, got {pretrain_config.space}")
    path, res = workdir / "embeddings.npz", workdir / "results.json"
    if path.is_file() and res.is_file() and json.loads(res.read_text()).get("completed"):
        logging.info("reusing arch2vec embeddings %s", path)
        return path
    t0 = time.time()
    out = arch2vec.train_and_evaluate(pretrain_config, workdir)
    print(
        f"arch2vec pretrained on NB201 in {time.time() - t0:.0f} s: held-out accuracy "
        f"{100 * out['held_out']['accuracy']:.2f}%, validity "
        f"{100 * out['generation']['validity']:.2f}%; embeddings {path}"
    )
    return path


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    c = _CONFIG.value
    if _PRETRAIN.value and not c.embeddings:
        emb = pretrained_embeddings(
            _PRETRAIN_CONFIG.value, pathlib.Path(_WORKDIR.value) / "arch2vec_nb201"
        )
        c.embeddings = str(emb)
    print(run_table(c, _WORKDIR.value, _DATA_DIR.value, _DOWNLOAD.value))


def _ms(a) -> str:
    a = a[np.isfinite(a)]
    return f"{a.mean():.2f}+-{a.std():.2f}" if len(a) else "n/a"


def format_table(table, num_queries, notes=(), embeddings="") -> str:
    lines = [
        f"NB201 search, {num_queries} queries per run; final incumbent validation / CIFAR-10 test"
        " accuracy (%), mean+-std over runs; 'seed' = the seed's published numbers (simulated-"
        "seconds budgets, see the config docstring).",
        "",
        "| dataset | method | runs | ours valid | ours test | seed row | seed valid | seed test |"
        " time (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset, method, n, v, t, sec in table:
        seed_row = SEED_NAME.get(method, "-")
        ref = SEED_TABLE.get(seed_row, {}).get(dataset)
        sv = f"{ref[0]:.2f}+-{ref[1]:.2f}" if ref else "-"
        st = f"{ref[2]:.2f}+-{ref[3]:.2f}" if ref else "-"
        lines.append(
            f"| {dataset} | {LABEL[method]} | {n} | {_ms(v)} | {_ms(t)} | {seed_row} | {sv} | "
            f"{st} | {sec:.1f} |"
        )
    lines.append("")
    lines.append(
        "Data: final (200-epoch) validation accuracy of every NB201 cell (NASLib's files) and "
        "the seed-mean CIFAR-10 test accuracy; budgets in queries (the files have no training "
        "times)."
    )
    if embeddings:
        lines.append(f"arch2vec embeddings: {embeddings}")
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


if __name__ == "__main__":
    app.run(main)

"""Search algorithms as ``(init, ask, tell)`` pure functions, scanned and vmapped over seeds.

    from jaxnas.search import base, evolution, problem
    prob = problem.from_benchmark(bench, x)            # x: any [N, D] encoding table
    searcher = evolution.regularized_evolution()
    traj = base.run_seeds(searcher, prob, base.seed_keys(range(500)), 100)
    traj.best_y  # [500, 100] incumbent validation accuracy after each query

Algorithms: ``random_search`` (:mod:`~jaxnas.search.sampling`), ``regularized_evolution``
(:mod:`~jaxnas.search.evolution`), ``local_search`` (:mod:`~jaxnas.search.local`), ``reinforce``
(:mod:`~jaxnas.search.policy`), ``arch2vec_rl`` (:mod:`~jaxnas.search.embedding_rl`), and in
:mod:`~jaxnas.search.bayesopt` ``bo`` (any surrogate), ``dngo_bo``, ``neural_predictor``,
``bananas``, ``cate_dngo_ls``. Every one takes its candidates as an encoding table, so learned
embeddings (arch2vec, CATE) plug in as ``problem.from_benchmark(bench, embeddings)``.
Every algorithm is registered by name: ``registry.make_searcher('rea', config_section)``
(:mod:`~jaxnas.search.registry`). See :mod:`jaxnas.search.base` for the interface,
:mod:`jaxnas.search.problem` for the candidate-set abstraction,
:mod:`jaxnas.search.results` (JSONL) and :mod:`jaxnas.search.plotting` (curves, 95% bands).
"""

from jaxnas.search import hyperband, multifidelity, registry
from jaxnas.search.base import Searcher, Trajectory, at_budgets, run, run_seeds, seed_keys
from jaxnas.search.bayesopt import bananas, bo, cate_dngo_ls, dngo_bo, neural_predictor
from jaxnas.search.embedding_rl import arch2vec_rl
from jaxnas.search.evolution import regularized_evolution
from jaxnas.search.local import local_search
from jaxnas.search.multifidelity import (
    CurveProblem,
    LCEConfig,
    MultiFidelitySearcher,
    full_fidelity,
    lce,
    make_curve_problem,
)
from jaxnas.search.policy import reinforce
from jaxnas.search.problem import Problem, from_benchmark
from jaxnas.search.registry import make_searcher
from jaxnas.search.sampling import random_search

__all__ = [
    "hyperband",
    "multifidelity",
    "registry",
    "make_searcher",
    "CurveProblem",
    "LCEConfig",
    "make_curve_problem",
    "MultiFidelitySearcher",
    "full_fidelity",
    "lce",
    "arch2vec_rl",
    "Problem",
    "Searcher",
    "Trajectory",
    "at_budgets",
    "bananas",
    "bo",
    "cate_dngo_ls",
    "dngo_bo",
    "from_benchmark",
    "local_search",
    "neural_predictor",
    "random_search",
    "regularized_evolution",
    "reinforce",
    "run",
    "run_seeds",
    "seed_keys",
]

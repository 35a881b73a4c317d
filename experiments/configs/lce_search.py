r"""Multi-fidelity search with learning-curve extrapolation as the seed ran it (x11's LCE).

Full run (RS, REA, LS, BANANAS, each plain / -WPM / -SVR, 30 seeds, on NB-NLP (nlp11_wt2),
NB311-YAHPO and NB111-4)::

    python -m experiments.lce_search --config=experiments/configs/lce_search.py \
        --data_dir=../shared/data --workdir=results/lce_search

Smoke run (tiny budgets and candidate sets, 2 seeds; numbers meaningless)::

    python -m experiments.lce_search --config=experiments/configs/lce_search.py:smoke \
        --data_dir=../shared/data --workdir=/tmp/lce_search_smoke

The seed's protocol is the default (:func:`jaxnas.search.multifidelity.reference_config`; read
from nas-bench-x11's ``naslib/optimizers/discrete/{rea,ls,bananas}_{lce,svr}/optimizer.py`` and
``naslib/benchmarks/nas/run_nb{111,311,nlp}.sh``):

* target epoch = the seed's curve index + 1 (it compares ``full_lc[index]``): NB111 107 // 3 + 1
  = 36 for REA-/LS-WPM, 108 otherwise; NB311 97 // 2 + 1 = 49; NLP 49 + 1 = 50 (E_max);
* top-n: NB111 20% (REA-WPM, LS-WPM, LS-SVR, BANANAS-WPM) / 50% (REA-SVR, BANANAS-SVR); NB311
  20%; NLP 50% (REA-WPM, BANANAS-SVR) / 20% (the others); RS takes REA's (the seed has no
  RS-LCE); threshold = the smallest of the top ``int(H * n)`` history values at the target;
* 20 architectures trained fully before any extrapolation (REA population, LS / BANANAS
  num_init); E_few 12 / 20 / 10; budgets 5.6e5 / 5e6 / 1e6 simulated seconds;
* candidates scored on the surrogates' mean curves (the seed queries ``with_noise=False``).

Departures, for the 2-core CPU: 10,000-row candidate sets on NB311-YAHPO / NB111-4 (the seed
samples the whole spaces; the budgets buy ~960 / ~300 full trainings), NB-NLP's 289 data cells,
LightGBM 'fast' surrogates; several asks per LCE round (4 here, 12 in the runs below; the seed
asks once); LcSVR with 30 random configurations, re-searched when the history has doubled and
refitted every 5 new full trainings (the seed: 1,000 at every refit); the WPM at the 'fast'
preset (3 families, NUTS 40 + 40, depth 4; the seed uses MLE + 10-30 Metropolis steps of its own
ensemble; a preset with measured calibration, 'eval' or HW's 'calibrated', costs 50-100x more,
see below).

Measured 2026-12-07 on the shared 2-core CPU (load average 20-35 from other jobs), JAX CPU,
``JAXNAS_CACHE_DIR=/work/jaxnas-cache JAX_COMPILATION_CACHE_DIR=...``, ``nice -n 5``, one
process per benchmark part (``--config.benchmarks="('<name>',)"`` plus)::

    nlp11_wt2:    --config.seeds=30                                   22 min wall, 243 CPU-s
    nb111_4:      --config.seeds=10 --config.methods="('rs','rea','ls')"
                  --config.asks_per_round.{rs,rea,ls}=12              37 min wall, 326 CPU-s
    nb111_4:      --config.seeds=10 --config.methods="('bananas',)"
                  --config.searchers.bananas.batch_size=20
                  --config.searchers.bananas.num_epochs=50            41 min wall, 346 CPU-s
    nb311_yahpo:  as nb111_4, one process per method: rs / rea / ls 24-36 min wall,
                  187-297 CPU-s each; BANANAS + BANANAS-WPM 57 min in one process (stopped
                  in BANANAS-SVR); BANANAS-SVR alone (--config.extrapolators="('svr',)")
                  23 min, 290 CPU-s

**Runs: 30 on NB-NLP, 10 on NB311-YAHPO and NB111-4** (30 did not fit the afternoon on this
machine). Final validation regret at the budget, mean +- s.e.m. (NB-NLP: validation loss;
others: accuracy percentage points); 'seed' = x11's regret (%) on *its* NB111 / NB311, not these
benchmarks; 'vs plain' = two-sided Mann-Whitney over runs::

    benchmark   method    runs  regret +- s.e.m.   full partial   seed vs plain
    nlp11_wt2   RS          30     0.09387+-0.01   47.4     0.0      - -
    nlp11_wt2   RS-WPM      30     0.07107+-0.01   38.2    72.1      - better p=0.084
    nlp11_wt2   RS-SVR      30    0.07745+-0.011   25.7   116.9      - better p=0.24
    nlp11_wt2   REA         30     0.1285+-0.015   57.5     0.0      - -
    nlp11_wt2   REA-WPM     30     0.08805+-0.01   40.7    69.5      - better p=0.022
    nlp11_wt2   REA-SVR     30    0.09041+-0.011   26.0   119.5      - better p=0.031
    nlp11_wt2   LS          30      0.1265+-0.01   50.5     0.0      - -
    nlp11_wt2   LS-WPM      30   0.04657+-0.0099   25.7   113.6      - better p=4.5e-07
    nlp11_wt2   LS-SVR      30    0.09902+-0.015   26.5   110.3      - better p=0.012
    nlp11_wt2   BANANAS     30    0.1233+-0.0055   60.0     0.0      - -
    nlp11_wt2   BANANAS-WPM 30   0.05628+-0.0097   26.1   123.0      - better p=2.6e-08
    nlp11_wt2   BANANAS-SVR 30   0.09014+-0.0094   44.1    70.7      - better p=0.0068
    nb311_yahpo RS          10     0.1276+-0.019  964.2     0.0  1.494 -
    nb311_yahpo RS-WPM      10      0.3176+-0.04   20.0  4636.0      - worse p=0.0022
    nb311_yahpo RS-SVR      10     0.1833+-0.038   34.4  4576.0      - worse p=0.2
    nb311_yahpo REA         10    0.09696+-0.027  946.7     0.0  0.652 -
    nb311_yahpo REA-WPM     10      0.3176+-0.04   20.0  4628.8      - worse p=0.0016
    nb311_yahpo REA-SVR     10     0.1976+-0.035   40.6  4549.6      - worse p=0.044
    nb311_yahpo LS          10    0.03538+-0.016  954.4     0.0      - -
    nb311_yahpo LS-WPM      10      0.3463+-0.02   20.0  4634.8      - worse p=0.00016
    nb311_yahpo LS-SVR      10     0.2082+-0.035   36.2  4570.0      - worse p=0.016
    nb311_yahpo BANANAS     10  0.04336 (log)                 0.696 (rows lost, see below)
    nb311_yahpo BANANAS-WPM 10   0.3773 (log)                     - worse
    nb311_yahpo BANANAS-SVR 10     0.2333+-0.055   35.6  4576.0  0.434 (own process, 23 min)
    nb111_4     RS          10     0.6938+-0.074  294.7     0.0  0.822 -
    nb111_4     RS-WPM      10       1.374+-0.13   35.2  2363.2      - worse p=0.0065
    nb111_4     RS-SVR      10       1.012+-0.14   94.6  1705.6      - worse p=0.1
    nb111_4     REA         10      0.6169+-0.12  219.6     0.0  0.584 -
    nb111_4     REA-WPM     10       1.245+-0.14   35.9  2338.0  0.513 worse p=0.0064
    nb111_4     REA-SVR     10     0.8082+-0.093  136.7   946.0  0.239 worse p=0.17
    nb111_4     LS          10     0.2771+-0.041  248.8     0.0  0.616 -
    nb111_4     LS-WPM      10      1.299+-0.094   35.3  2359.6      - worse p=0.00017
    nb111_4     LS-SVR      10       1.383+-0.12   21.6  2467.6  0.333 worse p=0.00017
    nb111_4     BANANAS     10     0.3001+-0.034  232.0     0.0  0.336 -
    nb111_4     BANANAS-WPM 10       1.28+-0.079   32.8  2374.0  0.296 worse p=0.00017
    nb111_4     BANANAS-SVR 10       1.072+-0.13   60.7  1986.0  0.151 worse p=0.0024

NB311-YAHPO BANANAS / BANANAS-WPM: means from the run's log (``regret 0.04336 in 445.5 s``,
``0.3773 in 2935.8 s``); that process was stopped in BANANAS-SVR at 15:29 to free the CPU for a
separate BANANAS-SVR run, so their per-run rows (s.e.m., full / partial) were not written.

WPM at a preset with measured calibration: REA-WPM on NB-NLP (30 runs) with HW's
``preset='calibrated'`` (11 families, NUTS 200 + 200, depth 7, smooth bound; branch wpm14 commit
91e09ac merged into a scratch copy of this branch, not into it) gave 0.1258 +- 0.012 (full 48.2,
partial 49.9; vs REA p=0.93, vs REA-WPM 'fast' worse p=0.0055) in 39 min wall / 487 CPU-s
(the 'fast' run: 25 s wall): it promotes 60% of the partial trainings, so it saves little. The
search uses the posterior mean only; interval calibration does not enter the decision.

**The seed's claim (every method improves with LCE; SVR variants win) holds on NB-NLP and fails
on NB311-YAHPO and NB111-4 here.** On NB-NLP every wrapper beats its plain method (6 of 8 at
p < 0.05), but WPM, not SVR, wins for every searcher. On the two x11 stand-ins every wrapper is
worse by mean (16 of 16; 11 of the 14 with per-run rows on both sides at p < 0.05).
Reasons checked:

* The extrapolations never clear the seed's threshold there. Of the partial trainings, WPM
  promoted 0.00-0.01 and SVR 0.00-0.06 on NB311 / NB111 (REA-SVR on NB111: 0.25), against
  0.05-0.36 on NB-NLP; with WPM on NB311 no candidate beyond the 20 initial ones was ever
  trained fully (full = 20.0), so each run is 20 random architectures plus ~4,600 wasted
  partial trainings. Top-1% architectures reached partial training 17-49 times per run and
  were promoted 0% of the time by WPM, 0-9% by SVR (REA-SVR on NB111: 41%; NB-NLP: 47-100%).
* The WPM ('fast') under-predicts the target by far more than the architectures differ: from
  epoch 20 to the seed's target 49 on NB311-YAHPO by 6.6 pp (spread of the truth across 128
  architectures 0.53 pp; last value: 8.8 pp low), from epochs 4, 12 to 36 on NB111-4 by 23 pp
  (spread 4.4 pp), so it predicts 0-1% of them above the set's top-20% value (truly 23-24%).
  On NB-NLP its bias (0.10 loss) is small beside the spread (0.58) and it ranks well.
* The early points carry little of the final ranking on these stand-ins: Kendall tau between
  the value at E_few and the final value 0.28 on NB111-4 (its "curve" is four separately
  trained budgets; no top-1% architecture is in the top 20% at 12 epochs), 0.61 on NB311-YAHPO
  (whose final accuracies differ by 0.2 pp std), 0.85 on NB-NLP. The seed's targets are also
  weak proxies here: tau(epoch 49, final) 0.52 on NB311-YAHPO, tau(36, final) 0.48 on NB111-4.
* LcSVR learns from the run's own few full curves (20-40 when it matters) and regresses to
  their mean; that is why it trails WPM on NB-NLP and why it promotes slightly more than WPM on
  the biased x11 sets.

The diagnostics were computed (scratch scripts, not in the package) from the runs'
``lce_search.jsonl`` (partial / promoted events told apart by their training cost), the
candidate sets' ``candidates/*.npz`` (Kendall tau, scipy) and one batched WPM fit ('fast', as in
the search) of 128 random rows per set against their true value at the target.

"""

import ml_collections
from ml_collections.config_dict import placeholder

BENCHMARKS = ("nlp11_wt2", "nb311_yahpo", "nb111_4")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.seeds = 30  # runs per method (seeds 0..seeds-1, run in lockstep)
    c.benchmarks = BENCHMARKS
    c.methods = ("rs", "rea", "ls", "bananas")  # jaxnas.search.registry names
    c.extrapolators = ("none", "wpm", "svr")  # 'none' = the single-fidelity method
    c.multi_fidelity = ()  # e.g. ('hyperband', 'bohb')
    # True: run nothing, print the table of the workdir's lce_search.jsonl (e.g. several
    # workdirs' rows concatenated). Methods already in it with these settings are never rerun.
    c.table_only = False
    # The seed's benchmark whose LCE settings each candidate set takes
    # (jaxnas.search.multifidelity.REFERENCE_PROTOCOL).
    c.reference_benchmark = ml_collections.ConfigDict(
        {"nbnlp_wt2": "nlp11", "nlp11_wt2": "nlp11", "nb311_yahpo": "nb311", "nb111_4": "nb111"}
    )
    # Budget in simulated seconds per candidate set (the seed's: run_nb111.sh 560000,
    # run_nb311.sh 5000000, run_nbnlp.sh 1000000); budget_trainings > 0 replaces it by that many
    # median full trainings of the set.
    c.budget_seconds = ml_collections.ConfigDict(
        {"nbnlp_wt2": 1e6, "nlp11_wt2": 1e6, "nb311_yahpo": 5e6, "nb111_4": 5.6e5}
    )
    c.budget_trainings = 0.0
    c.num_neighbours = 10  # k nearest rows (encoding) as the mutation / LS neighbourhood
    # Candidate sets (jaxnas.benchmarks.curve_sets.Settings).
    c.candidates = ml_collections.ConfigDict()
    c.candidates.candidate_seed = 0  # seed of the candidate set and its noisy surrogate curves
    # Size of the surrogate sets on DARTS / NB101: well above the full trainings the budgets
    # buy (NB311-YAHPO ~960 at 5e6 s, NB111-4 ~370 at 5.6e5 s), so no run exhausts the set.
    c.candidates.num_candidates = 10_000
    c.candidates.lgb_preset = "fast"  # 'reference' (x11's LightGBM) or 'fast'
    c.candidates.lgb_threads = 1
    c.candidates.nb311_num_archs = 1000  # YAHPO-generated training curves of the NB311 surrogate
    c.candidates.nlp_first_epochs = 3
    # The seed queries its surrogates with_noise=False during search (naslib/search_spaces/
    # {darts,nasbenchnlp}/graph.py): the mean curves. True: one noisy draw per row.
    c.candidates.surrogate_noise = False
    # LCE (NAS-Bench-x11's Algorithm 2): e_few, target epoch, top_n and num_full_init per
    # benchmark, searcher and extrapolator from multifidelity.reference_config (the seed's
    # rea/ls/bananas_{lce,svr} optimizers); entries here override them.
    c.lce = ml_collections.ConfigDict()
    c.lce.resume = True
    c.lce.target_epoch = placeholder(int)  # None: the seed's (as top_n, num_full_init)
    c.lce.top_n = placeholder(float)
    c.lce.num_full_init = placeholder(int)
    # ask() calls per LCE round and searcher, extrapolated in one batch (plain runs ask once
    # per round; the seed asks once): > 1 makes RS / REA / LS propose several candidates before
    # hearing back; BANANAS proposes batch_size (10) per ask already.
    c.asks_per_round = ml_collections.ConfigDict({"rs": 4, "rea": 4, "ls": 4, "bananas": 1})
    # Extrapolators (jaxnas.search.multifidelity.make_extrapolator): WPM preset 'reference' |
    # 'eval' | 'fast' | 'smoke' (+ WPMConfig overrides); LcSVR random-search configurations
    # (seed: 1,000, 3-fold CV, a new search after every full training), refit interval and the
    # history growth between searches.
    c.extrapolator = ml_collections.ConfigDict()
    # min_batch 128: every round's batch (30 runs x 4 asks) is padded to one shape, compiled once.
    c.extrapolator.wpm = ml_collections.ConfigDict({"preset": "fast", "min_batch": 128})
    c.extrapolator.svr = ml_collections.ConfigDict(
        {"n_iter": 30, "refit_every": 5, "retune_growth": 2.0}
    )
    # Hyperband / BOHB: make_searcher(name, c[name]) (jaxnas.search.hyperband).
    c.hyperband = ml_collections.ConfigDict({"eta": 3.0})
    c.bohb = ml_collections.ConfigDict({"eta": 3.0, "num_components": 8})
    # Searchers: jaxnas.search.registry.make_searcher(name, c.searchers[name]); the seed's
    # population 20, sample 10 (run_nb111.sh) and 20 initial architectures (create_configs.py).
    c.searchers = ml_collections.ConfigDict()
    c.searchers.rs = ml_collections.ConfigDict()
    c.searchers.rea = ml_collections.ConfigDict({"population_size": 20, "sample_size": 10})
    c.searchers.ls = ml_collections.ConfigDict({"num_init": 20})
    c.searchers.bananas = ml_collections.ConfigDict(
        {"num_init": 20, "batch_size": 10, "num_epochs": 100}
    )
    if arg == "smoke":
        c.seeds = 2
        c.benchmarks = ("nbnlp_wt2",)
        c.methods = ("rea",)
        c.multi_fidelity = ("hyperband", "bohb")
        c.budget_trainings = 8.0
        c.lce.num_full_init = 3
        c.extrapolator.wpm = ml_collections.ConfigDict({"preset": "smoke", "map_steps": 100})
        c.extrapolator.svr.n_iter = 5
        c.bohb.num_components = 3
    elif arg not in (None, ""):
        raise ValueError(f"unknown lce_search config variant {arg!r}; use '' or 'smoke'")
    return c

"""x11 table logic (jaxnas.analysis.x11) on synthetic curves: the ceiling column and the
NB111-4 switches (issue 14)."""

import numpy as np

from experiments.configs import x11 as x11_config
from jaxnas.analysis import x11
from jaxnas.surrogates import datasets, metrics


def _config():
    c = x11_config.get_config("smoke")
    c.compressors = ("svd",)
    c.mean_models = ("lgb",)
    c.noise_models = ("gkde", "std")
    c.num_components = 3
    return c


def _dataset(n=300, e=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3))
    t = np.arange(1, e + 1)
    exact = 0.9 - (0.4 + 0.2 * x[:, :1]) * np.exp(-(0.3 + 0.1 * x[:, 1:2]) * t)
    noisy = exact + 0.02 * rng.standard_normal(exact.shape)
    d = datasets.CurveDataset(
        name="synthetic",
        keys=np.asarray([str(i) for i in range(n)]),
        encodings=x,
        curves=noisy,
        epochs=t,
        higher_is_better=True,
        full_time=np.ones(n),
        source="synthetic",
    )
    return d, exact


def test_defaults_follow_the_reference_gkde_and_standardise_nb111_only():
    c = x11_config.get_config()
    assert c.gkde_reference_clip and c.nb111_svd_standardize and c.nb111_failed_threshold > 0
    assert c.nb311_noise_scale > 0
    assert x11.surrogate_config(c, "svd", "lgb", "gkde", 3, "nb111-4").svd_standardize
    assert not x11.surrogate_config(c, "svd", "lgb", "gkde", 3, "nlp-wt2").svd_standardize
    assert x11.surrogate_config(c, "svd", "lgb", "gkde", 3, "nb111-4").gkde_reference_clip
    c.nb111_svd_standardize = False
    assert not x11.surrogate_config(c, "svd", "lgb", "gkde", 3, "nb111-4").svd_standardize


def test_ceiling_is_the_exact_mean_against_the_noisy_test_curves():
    c = _config()
    d, exact = _dataset()
    rows = x11.evaluate_dataset(c, d, None, 0, None, exact)
    assert len(rows) == 2
    _, _, te = datasets.split(len(d.curves), 0, tuple(c.split))
    want = metrics.curve_metrics(d.curves[te], exact[te])
    for r in rows:
        assert r["ceiling_avg_r2"] == want["avg_r2"] and r["ceiling_final_r2"] == want["final_r2"]
        assert r["ceiling_final_r2"] < 1.0  # noise makes the exact mean imperfect
    md = x11.table_markdown(rows, [])
    assert "ceiling R2 (avg/final)" in md
    assert f"{want['avg_r2']:.3f}/{want['final_r2']:.3f}" in md
    plain = x11.evaluate_dataset(c, d, None, 0, None)
    assert plain[0]["ceiling_avg_r2"] is None
    assert "| -/- |" in x11.table_markdown(plain, [])

"""Learning-curve extrapolators: WPM (batched NUTS), LcSVR, last value, and the eval binary."""

import dataclasses
import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.predictors import curves, lcsvr, wpm
from tests.conftest import run_binary

REPO = pathlib.Path(__file__).resolve().parents[2]
T = 40  # target epoch of the synthetic curves
N_OBS = (24, 16, 20)  # observed epochs per synthetic curve (padded to 24)
# pow3 curves c - a x^-alpha: (c, a, alpha). The third would reach 1.035 at epoch T, beyond
# the [0, 1] bound, so its posterior is truncated there.
TRUE = np.array([[0.80, 0.60, 0.70], [0.60, 0.40, 1.00], [1.10, 0.60, 0.60]])
NOISE = 0.003
# One family, few iterations, shallow trees: keeps the compile + run to seconds.
CFG = dataclasses.replace(
    wpm.fast_config(), families=("pow3",), num_warmup=60, num_samples=60, max_tree_depth=4
)


def _pow3_np(x, c, a, alpha):
    return c - a * x ** (-alpha)


def _synthetic():
    x = np.arange(1, T + 1, dtype=np.float64)
    rng = np.random.default_rng(0)
    clean = np.stack([_pow3_np(x, *p) for p in TRUE])
    return clean, clean + NOISE * rng.standard_normal(clean.shape)


@pytest.fixture(scope="module")
def fitted():
    clean, noisy = _synthetic()
    pc = curves.pad_curves(noisy, np.array(N_OBS), pad_to=24)
    keys = jax.random.split(jax.random.key(0), len(TRUE))
    return clean, pc, keys, wpm.fit(keys, pc, T, CFG)


def test_family_functions_match_numpy():
    x = np.linspace(1.0, 60.0, 25)
    ref = {
        "vapor_pressure": ((-0.3, -0.8, 0.05), lambda a, b, c: np.exp(a + b / x + c * np.log(x))),
        "pow3": ((0.8, 0.6, 0.7), lambda c, a, al: c - a * x**-al),
        "loglog_linear": ((0.3, 1.5), lambda a, b: np.log(a * np.log(x) + b)),
        "log_power": ((0.8, 1.2, -0.9), lambda a, b, c: a / (1 + (x / np.exp(b)) ** c)),
        "pow4": ((0.8, 0.3, 0.5, 0.6), lambda c, a, b, al: c - (a * x + b) ** -al),
        "mmf": (
            (0.8, 0.1, 0.2, 1.3),
            lambda al, be, k, d: al - (al - be) / (1 + (k * x) ** d),
        ),
        "exp4": ((0.8, 0.4, 0.2, 0.7), lambda c, a, b, al: c - np.exp(-a * x**al + b)),
        "janoschek": (
            (0.8, 0.1, 0.3, 0.8),
            lambda a, be, k, d: a - (a - be) * np.exp(-k * x**d),
        ),
        "weibull": (
            (0.8, 0.1, 0.2, 0.9),
            lambda al, be, k, d: al - (al - be) * np.exp(-((k * x) ** d)),
        ),
        "ilog2": ((0.8, 0.3), lambda c, a: c - a / np.log(x + 1)),
        "hill3": ((0.8, 1.5, 4.0), lambda ym, e, k: ym * x**e / (k**e + x**e)),
    }
    assert set(ref) == set(wpm.ALL_FAMILIES)
    for name, (params, np_fn) in ref.items():
        got = wpm.FAMILIES[name].fn(jnp.asarray(x, jnp.float32), *params)
        np.testing.assert_allclose(got, np_fn(*params), rtol=2e-5, atol=2e-6, err_msg=name)


def test_every_family_increasing_over_prior():
    """The sign constraints make each family increasing for any latent draw."""
    z = jax.random.normal(jax.random.key(1), (200, wpm.num_latents()))
    x = jnp.arange(1.0, 201.0)
    fc = jax.vmap(lambda t: wpm.family_curves(t, x))(z)  # [200, K, 200]
    d = np.diff(np.asarray(fc), axis=-1)
    ok = np.isfinite(fc).all(axis=-1)
    assert ok.mean() > 0.99
    assert np.all(d[ok] >= -1e-6)


def test_pad_curves_and_loss_transform():
    v = np.array([[3.0, 2.0, 1.5, 1.2], [4.0, 3.0, np.nan, np.nan]])
    pc = curves.pad_curves(v, np.array([4, 2]), pad_to=5)
    np.testing.assert_array_equal(pc.mask[1], [True, True, False, False, False])
    np.testing.assert_array_equal(pc.x[0], [1, 2, 3, 4, 1])
    np.testing.assert_array_equal(pc.y[1], [4, 3, 0, 0, 0])
    tr = curves.fit_loss_transform(v, hi_quantile=1.0, margin=0.25)
    assert tr.hi == 4.0 and tr.lo == pytest.approx(1.2 - 0.25 * 2.8)
    np.testing.assert_allclose(tr.to_loss(tr.to_score(v[0])), v[0])
    assert np.all(np.diff(tr.to_score(v[0])) > 0)  # decreasing loss -> increasing score


def test_nuts_recovers_pow3(fitted):
    clean, pc, _, fit = fitted
    assert fit.theta.shape == (3, CFG.num_samples, wpm.num_latents(CFG.families))
    assert bool(np.all(fit.map_valid[:2]))
    assert float(np.mean(fit.diverging)) < 0.1
    pred = wpm.predict(fit, [T], CFG)
    # Curves 0, 1 (inside the bound): the noise-free final value, 16-20 epochs beyond the
    # data, within 0.03, and the generating parameters.
    ok = slice(0, 2)
    np.testing.assert_allclose(pred.mean[ok, 0], clean[ok, -1], atol=0.03)
    u = wpm.unpack(fit.theta, CFG.families)
    c, a, alpha = (np.asarray(jnp.mean(p, axis=1))[ok] for p in u.params["pow3"])
    np.testing.assert_allclose(c, TRUE[ok, 0], atol=0.05)
    np.testing.assert_allclose(a, TRUE[ok, 1], rtol=0.15)
    np.testing.assert_allclose(alpha, TRUE[ok, 2], rtol=0.25)
    sigma = np.asarray(jnp.mean(u.sigma, axis=1))[ok]
    assert np.all((sigma > NOISE / 2) & (sigma < NOISE * 2)), sigma
    # The predictive distribution contains the truth and P(y > t) is consistent with it.
    lo, hi = np.quantile(np.asarray(pred.samples[ok, :, 0]), [0.005, 0.995], axis=1)
    assert np.all((clean[ok, -1] > lo - 0.01) & (clean[ok, -1] < hi + 0.01))
    p = np.asarray(wpm.prob_greater(pred, pred.mean))
    assert p.shape == (3, 1) and np.all((p[ok] > 0.2) & (p[ok] < 0.8))
    # Curve 2: truncated by the bound, so predicted just below 1 instead of 1.035.
    assert 0.97 < float(pred.mean[2, 0]) <= 1.0
    np.testing.assert_array_equal(wpm.prob_greater(pred, -10.0), 1.0)


def test_samples_monotone_and_bounded(fitted):
    _, _, _, fit = fitted
    x = jnp.arange(1.0, 3 * T + 1.0)
    f = np.asarray(jax.vmap(jax.vmap(lambda t: wpm.mean_curve(t, x, CFG.families)))(fit.theta))
    assert np.all(np.diff(f, axis=-1) >= -1e-6)
    at_t = f[:, :, T - 1]
    assert np.all((at_t >= 0.0) & (at_t <= 1.0))
    # The third curve's unconstrained extrapolation reaches 1.035: the bound is active.
    assert at_t[2].max() > 0.99


def test_batched_fit_equals_per_curve_fit(fitted):
    """Curve b fitted alone with key b (in every lane of the same compiled batch, so no extra
    compile) equals its lane of the mixed batch: other curves do not leak into a curve's chain,
    though the vmapped NUTS loops run in lockstep. (A B = 1 program is a different XLA program
    whose float reductions may differ in the last bit, which NUTS trajectories amplify; the
    benchmark compares those as distributions.)"""
    _, pc, keys, fit = fitted
    for b in range(len(TRUE)):
        rep = np.full(len(TRUE), b)
        one = wpm.fit(keys[rep], curves.PaddedCurves(*(a[rep] for a in pc)), T, CFG)
        np.testing.assert_allclose(one.theta_map[0], fit.theta_map[b], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(one.theta[0], fit.theta[b], rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(one.num_steps[0], fit.num_steps[b])


@pytest.mark.slow
def test_ensemble_prefers_generating_family():
    """S-shaped hill3 curves (which pow3 cannot follow) put most posterior weight on hill3.
    (The converse does not hold: hill3 mimics pow3 curves well, so those stay mixed.)"""
    cfg = dataclasses.replace(CFG, families=("pow3", "hill3"))
    x = np.arange(1, T + 1, dtype=np.float64)
    y = np.stack([0.9 * x**3 / (8.0**3 + x**3), 0.8 * x**2 / (5.0**2 + x**2)])
    y += NOISE * np.random.default_rng(1).standard_normal(y.shape)
    fit = wpm.fit(jax.random.key(2), curves.pad_curves(y, 30), T, cfg)
    w = wpm.weights(fit, cfg)
    assert np.all(w[:, 1] > 0.8), w


def test_wpm_presets():
    assert wpm.preset("reference") == wpm.reference_config()
    assert wpm.preset("fast") == wpm.fast_config()
    smoke = wpm.preset("smoke", map_steps=100)
    assert smoke.families == ("pow3",) and smoke.max_tree_depth == 3 and smoke.map_steps == 100
    assert wpm.preset("eval").num_samples == 200
    assert wpm.preset("calibrated") == dataclasses.replace(wpm.preset("eval"), bound_scale=0.01)
    with pytest.raises(ValueError, match="unknown WPM preset"):
        wpm.preset("huge")


def test_lcsvr_features_by_hand():
    v = np.array([[1.0, 3.0, 4.0, 4.5]])
    f = lcsvr.curve_features(v, extra=np.array([[7.0]]))
    want = [1, 3, 4, 4.5, 2, 1, 0.5, -1, -0.5, 3.125, np.std([1, 3, 4, 4.5]), 7]
    np.testing.assert_allclose(f[0], want)
    assert lcsvr.curve_features(v[:, :2]).shape == (1, 2 + 1 + 0 + 2)


def test_lcsvr_beats_last_value_on_saturating_family():
    rng = np.random.default_rng(0)
    x = np.arange(1, 51, dtype=np.float64)
    n = 240
    c = rng.uniform(0.5, 0.9, n)
    a = rng.uniform(0.2, 0.6, n)
    alpha = rng.uniform(0.3, 1.2, n)
    y = c[:, None] - a[:, None] * x[None, :] ** -alpha[:, None]
    y += 0.002 * rng.standard_normal(y.shape)
    tr, te, n_obs = slice(0, 180), slice(180, n), 10
    key = jax.random.key(0)
    # 100 random configurations: with 20, one key in six picked a poor one (RMSE ratio 0.61 vs
    # 0.11-0.14 for keys 1-5); with 100, keys 0-5 all give 0.11-0.14.
    cfg = lcsvr.LcSVRConfig(n_iter=100)
    model = lcsvr.fit(key, y[tr, :n_obs], y[tr, -1], config=cfg)
    pred = lcsvr.predict(model, y[te, :n_obs])
    # The key is the only source of randomness: the same key gives the same model.
    again = lcsvr.fit(key, y[tr, :n_obs], y[tr, -1], config=cfg)
    assert again.best_params == model.best_params
    rmse_svr = np.sqrt(np.mean((pred - y[te, -1]) ** 2))
    rmse_lv = np.sqrt(np.mean((lcsvr.last_value(y[te, :n_obs]) - y[te, -1]) ** 2))
    assert rmse_svr < 0.5 * rmse_lv, (rmse_svr, rmse_lv)
    assert set(model.best_params) == {"C", "nu", "gamma"}


@pytest.mark.slow
def test_lce_eval_smoke(tmp_path, data_dir):
    out = run_binary(
        "experiments.lce_eval", "--config=experiments/configs/lce_eval.py:smoke",
        f"--data_dir={data_dir}", f"--workdir={tmp_path}", "--nodownload", timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [json.loads(r) for r in (tmp_path / "lce_eval.jsonl").read_text().splitlines()]
    # Guarded (fitted on the calibration curves) and raw rows of each model.
    assert {r["method"] for r in rows} == {"wpm", "wpm_raw", "lcsvr", "lcsvr_raw", "last_value"}
    assert len(rows) == 2 * 2 * 5  # datasets x fractions x methods
    for r in rows:
        assert np.isfinite(r["rmse"])
        if r["method"] == "wpm":
            assert 0.0 <= r["coverage_90"] <= 1.0
    assert "| wpm |" in out.stdout and (tmp_path / "lce_eval.md").is_file()

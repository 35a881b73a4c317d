"""The predictive study: the jitted GP against a NumPy GP, the metrics against NumPy."""

import jax
import numpy as np
import pytest

from jaxnas.analysis import predictive


def _numpy_gp_mean(xt, yt, xq, ell, s2, n2):
    mu, sd = yt.mean(), yt.std()
    ys = (yt - mu) / sd

    def k(a, b):
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        return s2 * np.exp(-0.5 * d2 / ell**2)

    kk = k(xt, xt) + (n2 + 1e-6) * np.eye(len(xt))
    return mu + sd * k(xq, xt) @ np.linalg.solve(kk, ys)


def _numpy_nll(xt, yt, ell, s2, n2):
    ys = (yt - yt.mean()) / yt.std()
    d2 = ((xt[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    kk = s2 * np.exp(-0.5 * d2 / ell**2) + (n2 + 1e-6) * np.eye(len(xt))
    _, logdet = np.linalg.slogdet(kk)
    return 0.5 * ys @ np.linalg.solve(kk, ys) + 0.5 * logdet + 0.5 * len(ys) * np.log(2 * np.pi)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(120, 2)).astype(np.float32)
    y = (np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] ** 2 + 0.05 * rng.normal(size=120)).astype(np.float32)
    return x, y


def test_train_sets_without_replacement():
    idx = np.asarray(predictive.train_sets(jax.random.key(3), 50, 20, 4))
    assert idx.shape == (4, 20)
    assert all(len(set(r)) == 20 for r in idx) and idx.min() >= 0 and idx.max() < 50
    assert len({tuple(r) for r in idx}) == 4  # seeds differ
    with pytest.raises(ValueError, match="num_train"):
        predictive.train_sets(jax.random.key(0), 10, 10, 2)


def test_gp_matches_numpy_gp(problem):
    x, y = problem
    idx = predictive.train_sets(jax.random.key(1), len(y), 30, 3)
    mean, params = predictive.fit_and_predict(x, y, idx, num_steps=300)
    mean = np.asarray(mean)
    ell = np.exp(np.asarray(params.log_lengthscale, np.float64))
    s2 = np.exp(np.asarray(params.log_signal, np.float64))
    n2 = np.exp(np.asarray(params.log_noise, np.float64))
    for s, rows in enumerate(np.asarray(idx)):
        xt, yt = x[rows].astype(np.float64), y[rows].astype(np.float64)
        ref = _numpy_gp_mean(xt, yt, x.astype(np.float64), ell[s], s2[s], n2[s])
        np.testing.assert_allclose(mean[s], ref, atol=2e-3 * np.abs(y).max())
        # The fitted hyper-parameters are (near) the marginal-likelihood optimum: no point of a
        # coarse grid around them is better by more than a small margin.
        best = _numpy_nll(xt, yt, ell[s], s2[s], n2[s])
        grid = [
            _numpy_nll(xt, yt, ell[s] * a, s2[s] * b, n2[s] * c)
            for a in (0.5, 0.8, 1.25, 2.0)
            for b in (0.5, 1.0, 2.0)
            for c in (0.3, 1.0, 3.0)
        ]
        assert best <= min(grid) + 0.05
    # The GP beats predicting the training mean on the held-out rows.
    rows = np.asarray(idx)[0]
    held = np.setdiff1d(np.arange(len(y)), rows)
    assert np.mean((mean[0, held] - y[held]) ** 2) < 0.3 * np.var(y[held])


def test_masked_metrics_match_numpy():
    rng = np.random.default_rng(2)
    pred = rng.normal(size=(3, 40)).astype(np.float32)
    y = (pred + rng.normal(size=(3, 40))).astype(np.float32)
    mask = rng.random((3, 40)) > 0.4
    rmse, r = predictive.masked_rmse_pearson(pred, y, mask)
    for s in range(3):
        p, t = pred[s, mask[s]], y[s, mask[s]]
        assert float(rmse[s]) == pytest.approx(np.sqrt(np.mean((p - t) ** 2)), rel=1e-5)
        assert float(r[s]) == pytest.approx(np.corrcoef(p, t)[0, 1], abs=1e-5)


def test_study_scores_only_good_unseen_rows(problem):
    x, y01 = problem
    y = (0.7 + 0.1 * (y01 - y01.min()) / np.ptp(y01)).astype(np.float32)  # in [0.7, 0.8]
    y[::3] += 0.15  # a third above the threshold
    res = predictive.study(jax.random.key(0), x, y, num_train=25, num_seeds=3, gp_steps=50)
    idx = np.asarray(predictive.train_sets(jax.random.key(0), len(y), 25, 3))
    mean, _ = predictive.fit_and_predict(x, y, idx, 50)
    for s in range(3):
        ok = np.ones(len(y), bool)
        ok[idx[s]] = False
        ok &= y > 0.8
        assert res["num_eval"][s] == ok.sum()
        p = np.asarray(mean)[s, ok]
        assert res["rmse"][s] == pytest.approx(np.sqrt(np.mean((p - y[ok]) ** 2)), rel=1e-4)
        assert res["pearson"][s] == pytest.approx(np.corrcoef(p, y[ok])[0, 1], abs=1e-4)
    assert res["rmse_mean"] == pytest.approx(np.mean(res["rmse"]))
    assert res["pearson_std"] == pytest.approx(np.std(res["pearson"]))
    with pytest.raises(ValueError, match="finite"):
        predictive.study(jax.random.key(0), x, np.where(np.arange(len(y)) == 0, np.nan, y))
    with pytest.raises(ValueError, match=r"x \[N, D\]"):
        predictive.study(jax.random.key(0), x[:, 0], y)


def test_score_filter_both_drops_low_predictions():
    y = np.array([0.9, 0.85, 0.95, 0.5, 0.88], np.float32)
    mean = np.array([[0.9, 0.7, 0.93, 0.9, 0.86]], np.float32)
    idx = np.array([[0]])
    both = predictive.score(mean, y, idx, score_filter="both")
    true = predictive.score(mean, y, idx, score_filter="true")
    assert both["num_eval"] == [2] and true["num_eval"] == [3]  # rows 2, 4 vs rows 1, 2, 4
    np.testing.assert_allclose(both["rmse"][0], np.sqrt((0.02**2 + 0.02**2) / 2), rtol=1e-5)
    with pytest.raises(ValueError):
        predictive.score(mean, y, idx, score_filter="pred")


@pytest.mark.slow
def test_supervised_baseline_never_sees_labels_outside_its_rows():
    """Labels outside each seed's training rows are NaN: one leaked label would make the encoder
    (or the GP) NaN. The labels of the training rows are kept, so the fits are real."""
    from jaxnas.spaces import nb201

    cells = nb201.all_cells()[::61][:200]
    adj, ops = nb201.to_node_graph(cells)
    y = 0.8 + 0.02 * (np.asarray(cells) == nb201.OPS.index("nor_conv_3x3")).sum(1)
    y = y.astype(np.float32)
    idx = np.asarray(predictive.train_sets(jax.random.key(0), len(y), 24, 2))
    y_hidden = np.full_like(y, np.nan)
    y_hidden[idx.ravel()] = y[idx.ravel()]
    kw = dict(num_layers=2, hidden=16, latent=4, head_hidden=8, batch_size=8, epochs=5)
    mean, info = predictive.supervised_predictions(
        jax.random.key(1), adj, ops, len(nb201.NODE_OPS), y_hidden, idx, gp_steps=5,
        encoder_kwargs=kw,
    )  # fmt: skip
    assert mean.shape == (2, len(y)) and np.isfinite(mean).all()
    # The same call with full labels gives the same predictions: nothing but the rows is read.
    full, _ = predictive.supervised_predictions(
        jax.random.key(1), adj, ops, len(nb201.NODE_OPS), y, idx, gp_steps=5, encoder_kwargs=kw
    )
    np.testing.assert_allclose(mean, full, rtol=1e-5, atol=1e-6)
    # A leaking variant (labels of every row in the fit) is caught by the NaN labels.
    from jaxnas.pretrain import supervised

    with pytest.raises(ValueError, match="finite"):
        supervised.fit_rows(jax.random.key(0), adj, ops, y_hidden, len(nb201.NODE_OPS), **kw)

"""The seed's published tables, read from jaxnas/analysis/published.json."""

import pytest

from jaxnas.analysis import published


def test_known_values():
    # arch2vec paper, NB201 table; NAS-Bench-x11 Table 3; arch2vec's NB101 logs.
    assert published.table("nb201_search")["arch2vec-BO"]["cifar10"] == (91.41, 0.22, 94.18, 0.24)
    assert published.table("x11_table3")["NB111"]["SVD-LGB-GKDE"][:2] == (0.630, 0.853)
    assert published.table("x11_table3")["NLP11"]["SVD-LGB"][4:] == (None, None)
    assert published.table("nb101_search")["arch2vec-BO"] == 94.04


def test_shapes_and_about():
    for rows in published.table("x11_table3").values():
        assert all(len(v) == 6 for v in rows.values())
    for rows in published.table("nb201_search").values():
        assert set(rows) == {"cifar10", "cifar100", "ImageNet16-120"}
        assert all(len(v) == 4 for v in rows.values())
    assert all(published.about(n) for n in published.names())


def test_fresh_copy_and_unknown_name():
    t = published.table("nb101_search")
    t["RS"] = 0.0
    assert published.table("nb101_search")["RS"] == 93.46
    with pytest.raises(KeyError, match="known: nb201_search"):
        published.table("nope")

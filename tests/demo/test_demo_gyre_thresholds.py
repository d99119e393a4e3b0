"""The GYRE demo passes only when its generated state meets the stated thresholds."""

import copy

from nemoml.demo import gyre


def _report(n_states=1):
    box = {"mean": 5.53, "std": 0.02}
    data = {"n_states": 40, "inversion_pct_1e-05": {"mean": 0.004, "std": 0.005},
            "n2_negative_pct": {"mean": 0.8, "std": 0.8}, "bw_T": box, "bw_S": box,
            "dw_T": box, "dw_S": box, "c1_rms": {"mean": 0.13, "std": 0.02}}
    good = copy.deepcopy(data)
    good.update({"n_states": n_states, "inversion_pct_1e-05": {"mean": 0.0, "std": 0.0},
                 "n2_negative_pct": {"mean": 0.1, "std": 0.0}, "c1_rms": {"mean": 1e-9, "std": 0}})
    return {"sets": {gyre.DATA: data, gyre.SET: good}}


def test_a_good_state_passes_and_one_state_says_it_has_no_spread():
    rows = gyre.verdict(_report())
    assert all(ok for _, _, ok in rows)
    assert any("one state has no spread" in text for _, text, _ in rows)
    assert not any("spread" in what for what, _, _ in gyre.verdict(_report(4)))


def test_each_threshold_can_fail():
    for key, value in (("inversion_pct_1e-05", 1.0), ("n2_negative_pct", 1.5),
                       ("bw_T", 5.6), ("dw_S", 5.45), ("c1_rms", 1e-3)):
        rep = _report()
        rep["sets"][gyre.SET][key] = {"mean": value, "std": 0.0}
        rows = gyre.verdict(rep)
        assert not all(ok for _, _, ok in rows), key

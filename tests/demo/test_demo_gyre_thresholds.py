"""The GYRE demo's verdict: each threshold can fail, against the packaged generator's own
training statistics and targets."""

import copy

import pytest

from nemoml.base.paths import package_subdir
from nemoml.demo import gyre
from nemoml.generate.export import read_metadata

GENERATOR = package_subdir("data") / "generator"
pytestmark = pytest.mark.skipif(not GENERATOR.is_dir(), reason="no embedded generator")


def _good(meta):
    """A state at the training means with every constraint met."""
    ref = meta["reference"]
    got = {k: {"mean": ref[k], "std": 0.0}
           for k in ("inversion_pct_1e-05", "n2_negative_pct", "bw_T", "bw_S", "dw_T", "dw_S",
                     "pattern_T", "pattern_S")}
    got.update({"c1_rms": {"mean": 1e-9}, "c2_rms": {"mean": 1e-9}, "ts_rms": {"mean": 1e-4}})
    return got


def test_a_state_at_the_training_means_passes_and_says_what_it_is_compared_with():
    meta = read_metadata(GENERATOR)
    assert all(ok for _, _, ok in gyre.verdict(_good(meta), meta))
    assert "training states (gyre_states.nc, model years from 60)" in gyre.describe(meta)


def test_each_threshold_can_fail():
    meta = read_metadata(GENERATOR)
    ref, std = meta["reference"], meta["reference_std"]
    bad = {"inversion_pct_1e-05": ref["inversion_pct_1e-05"] + 0.6,
           "n2_negative_pct": ref["n2_negative_pct"] + 0.6,
           "bw_T": ref["bw_T"] + 2.5 * std["bw_T"], "dw_S": ref["dw_S"] - 2.5 * std["dw_S"],
           "pattern_T": 0.85 * ref["pattern_T"], "pattern_S": 1.15 * ref["pattern_S"],
           "c1_rms": 1e-4, "c2_rms": 1e-4, "ts_rms": 0.2 * ref["ts_rms"]}
    for key, value in bad.items():
        got = _good(meta)
        got[key] = {"mean": value, "std": 0.0}
        rows = gyre.verdict(got, meta)
        assert not all(ok for _, _, ok in rows), key
        assert sum(not ok for _, _, ok in rows) == 1, key


def test_switched_off_constraints_are_not_judged():
    meta = read_metadata(GENERATOR)
    got = _good(meta)
    got["c2_rms"] = {"mean": 1.0}
    assert all(ok for _, _, ok in gyre.verdict(got, meta, constraints=("c1", "ts")))


def test_a_generator_without_training_spread_is_refused():
    meta = copy.deepcopy(read_metadata(GENERATOR))
    del meta["reference_std"]
    with pytest.raises(ValueError, match="tools/generator_reference.py"):
        gyre.verdict(_good(meta), meta)

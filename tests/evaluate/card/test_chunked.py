"""The report card computed a few states at a time equals the card of the whole set at once, bit
for bit, on real GYRE states (the packaged sample: 6 states of years 127-129, float32), and
holds a fraction of one float64 copy of the set where the whole set at once held several."""

import tracemalloc

import numpy as np
import pytest

from nemoml.base.packaged import gyre
from nemoml.evaluate.card.physics import ReportCard
from nemoml.generate.data import load_states
from nemoml.grid.gridinfo import GridInfo

from ...generate.helpers import small_grid, stratified_states

WHOLE = 1000  # one chunk: more states than any set here


@pytest.fixture(scope="module")
def gyre_states():
    grid = GridInfo.from_mesh_mask(gyre("mesh_mask.nc"))
    # the file's own float32, as train-generator hands the reference card its states
    ref = load_states(gyre("gyre_states_sample.nc"), ("T", "S"), nz=grid.shape[0],
                      dtype=np.float32).fields
    # 5 blends of two consecutive states, float64: their sums over states are not exact in
    # float64 as sums of float32 values are, so the order of summation shows
    other = {k: (2 * v[:-1].astype(np.float64) + v[1:]) / 3 for k, v in ref.items()}
    return grid, ref, other


def _flat(metrics) -> dict:
    out = {}
    for k, v in metrics.summary().items():  # mean and std over states, or one figure
        out.update({f"summary.{k}.{s}": np.float64(x) for s, x in v.items()}
                   if isinstance(v, dict) else {f"summary.{k}": np.asarray(v, np.float64)})
    for group in ("per_state", "profiles", "maps"):
        out.update({f"{group}.{k}": np.asarray(v, np.float64)
                    for k, v in getattr(metrics, group).items()})
    return out


def _card(grid, ref, other, chunk: int) -> dict:
    """Every figure of the card on ``ref`` of both sets, and of the card on ``other``."""
    out = _one_card(grid, ref, other, chunk)
    out.update({f"blends.{k}": v for k, v in _one_card(grid, other, ref, chunk).items()})
    return out


def _one_card(grid, ref, other, chunk: int) -> dict:
    card = ReportCard(grid, "eos80", ref, chunk=chunk)
    out = {f"targets.{k}": v for k, v in card.targets.items()}
    out.update({f"centre.{k}": v for k, v in card.centre.items()})
    out.update({f"scale.{k}": np.float64(v) for k, v in card.scale.items()})
    for name, fields, is_ref in (("data", ref, True), ("other", other, False)):
        out.update({f"{name}.{k}": v for k, v in
                    _flat(card.evaluate(name, fields, is_reference=is_ref)).items()})
    return out


@pytest.mark.parametrize("chunk", [1, 2, 3, 4])  # 4 divides neither 6 nor 5 states
def test_chunked_card_equals_one_chunk_exactly(gyre_states, chunk):
    grid, ref, other = gyre_states
    whole, chunked = _card(grid, ref, other, WHOLE), _card(grid, ref, other, chunk)
    assert chunked.keys() == whole.keys()
    differ = [k for k in whole if not np.array_equal(chunked[k], whole[k], equal_nan=True)]
    assert differ == []
    # nearest-training distances and diversity are in it, and are not trivial
    assert whole["other.summary.diversity"] > 0
    assert whole["data.summary.nearest_train_median"] > 0
    assert whole["other.summary.nearest_train_median"] > 0


def test_one_chunk_card_equals_the_whole_set_formulas(gyre_states):
    """The sums over states that chunking changes, against numpy over the whole set: equal bit
    for bit, except the N² profile (per-state sums added up: float64 rounding)."""
    grid, _, ref = gyre_states
    card = ReportCard(grid, "eos80", ref, chunk=3)  # chunks of 3 and 2 states
    for v in ("T", "S"):
        assert np.array_equal(card.centre[v], np.asarray(ref[v], np.float64).mean(0))
    x = card.layout.encode(ref, dtype=np.float64)
    for name in ("c1", "c2", "ts"):
        assert np.array_equal(card.targets[name], card.physics.raw(name, x).numpy().mean(0))
    m = card.evaluate("data", ref)
    tm = grid.tmask
    sig = card.sigma0(ref).mean(0)
    zonal = np.where(tm.sum(-1) > 0, (sig * tm).sum(-1) / np.maximum(tm.sum(-1), 1), np.nan)
    assert np.array_equal(m.maps["zonal_sigma0"], zonal, equal_nan=True)
    n2 = card.n2(ref)
    direct = [(n2[:, k] * card.w_int[k]).sum() / max(card.w_int[k].sum() * len(n2), 1e-30)
              for k in range(n2.shape[1])]
    np.testing.assert_allclose(m.maps["n2_profile"], direct, rtol=1e-14, atol=0)


def test_chunk_must_hold_a_state(gyre_states):
    grid, ref, _ = gyre_states
    with pytest.raises(ValueError, match="chunk must be >= 1"):
        ReportCard(grid, "eos80", ref, chunk=0)


def test_nan_names_its_state_across_chunks(gyre_states):
    grid, ref, _ = gyre_states
    bad = {k: v.copy() for k, v in ref.items()}
    bad["S"][5, 0][grid.tmask[0]] = np.nan
    card = ReportCard(grid, "eos80", ref, chunk=4)
    with pytest.raises(ValueError, match=r"S has NaN/inf at ocean points \(state 5\)"):
        card.evaluate("bad", bad)


def _numpy_peak(grid, fields: dict, chunk: int) -> int:
    tracemalloc.start()
    try:
        ReportCard(grid, "eos80", fields, chunk=chunk).evaluate("data", fields, is_reference=True)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_card_holds_chunks_not_the_whole_set():
    """numpy's peak while the card of 64 float32 states is made (reference and evaluation):
    with chunks of 4, half a float64 copy of their T and S (the reference's std over every
    ocean cell, one variable at a time, in float32); the whole set at once, about 5 copies."""
    grid = small_grid(ny=40, nx=48)
    fields = {k: np.asarray(v, np.float32) for k, v in stratified_states(grid, 64).items()}
    copy = sum(8 * fields[v].size for v in ("T", "S"))
    warm = {k: v[:2] for k, v in fields.items()}  # first-call imports are not the card's
    ReportCard(grid, "eos80", warm).evaluate("warm", warm)
    assert _numpy_peak(grid, fields, 4) < 0.75 * copy
    assert _numpy_peak(grid, fields, WHOLE) > 4 * copy

"""Report-card metrics against direct numpy computations and constructed cases."""

from pathlib import Path

import numpy as np
import pytest

from nemoml.cli import main
from nemoml.evaluate.card.physics import INVERSION_THRESHOLDS, ReportCard
from nemoml.evaluate.card.report import write_report
from nemoml.generate.sampling_io import write_ensemble
from nemoml.grid.gridinfo import GridInfo

SHARED = Path(__file__).resolve().parents[3] / "../shared"


def _grid(nz=6, ny=8, nx=9) -> GridInfo:
    tmask = np.zeros((nz, ny, nx), bool)
    tmask[: nz - 1, 1:-1, 1:-1] = True
    e3t = np.linspace(50, 800, nz)
    gdepw = np.concatenate([[0.0], np.cumsum(e3t)[:-1]])
    gdept = gdepw + 0.5 * e3t
    e3w = np.diff(np.concatenate([[0.0], gdept]))
    lat = np.linspace(10, 50, ny)[:, None] * np.ones((1, nx))
    area = np.linspace(1, 2, ny)[:, None] * np.ones((1, nx)) * 1e10
    return GridInfo(tmask, tmask, tmask, gdept, gdepw, e3t, e3w, area, lat)


def _stable(grid: GridInfo, n: int, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    z = grid.gdept[:, None, None]
    shape = (n,) + grid.shape
    temp = 3 + 17 * np.exp(-z / 400) + 0.01 * rng.standard_normal(shape)
    sal = 35.3 - 0.3 * np.exp(-z / 800) + 0.001 * rng.standard_normal(shape)
    return {"T": temp * grid.tmask, "S": sal * grid.tmask}


def test_boxes_match_direct_volume_means():
    grid = _grid()
    states = _stable(grid, 3)
    card = ReportCard(grid, "eos80", states, depth_box=1000.0)
    m = card.evaluate("x", states)
    vol = grid.e3t[:, None, None] * grid.area[None] * grid.tmask
    z = grid.gdept[:, None, None] + 0 * vol
    lat = np.abs(grid.lat)[None] + 0 * vol
    # depth and latitude bands, both below 500 m: the surface layer is in neither box
    bw = (z > 1000) | ((lat > 30) & (z > 500))
    dw = (z > 500) & (z <= 1000) & (lat <= 30)
    for i in range(3):
        t = states["T"][i]
        assert m.per_state["bw_T"][i] == pytest.approx((t * vol)[bw].sum() / vol[bw].sum())
        assert m.per_state["dw_T"][i] == pytest.approx((t * vol)[dw].sum() / vol[dw].sum())
    assert bw.any() and dw.any() and not (bw | dw)[0].any()


def test_inversion_fraction_of_one_swapped_column():
    grid = _grid()
    states = _stable(grid, 2)
    card = ReportCard(grid, "eos80", states)
    base = card.evaluate("stable", states).per_state
    for thr in INVERSION_THRESHOLDS:
        assert (base[f"inversion_pct_{thr:g}"] == 0).all()
    assert (base["n2_negative_pct"] == 0).all()
    swapped = {k: v.copy() for k, v in states.items()}
    j, i = 4, 5
    swapped["T"][1, [1, 2], j, i] = states["T"][1, [2, 1], j, i]  # warm water under cold
    got = card.evaluate("swapped", swapped).per_state
    w = grid.tmask[:-1] & grid.tmask[1:]
    vol = (w * grid.e3w[1:, None, None] * grid.area[None])
    expected = 100 * vol[1, j, i] / vol.sum()
    assert got["inversion_pct_1e-05"][1] == pytest.approx(expected, rel=1e-12)
    assert got["inversion_pct_1e-05"][0] == 0
    assert got["n2_negative_pct"][1] == pytest.approx(expected, rel=1e-12)


def test_residuals_and_spread():
    grid = _grid()
    ref = _stable(grid, 8)
    card = ReportCard(grid, "eos80", ref)
    same = card.evaluate("ref", ref).summary()
    assert same["c1_bias"] < 1e-10 and same["ts_bias"] < 1e-10
    warm = {"T": ref["T"] + 0.5 * grid.tmask, "S": ref["S"]}
    warmer = card.evaluate("warm", warm).summary()
    assert warmer["ts_bias"] == pytest.approx(0.5 / np.sqrt(2), rel=1e-9)  # T levels only
    assert warmer["c1_bias"] > 0.05
    assert warmer["spread_sst"] == pytest.approx(same["spread_sst"], rel=1e-9)
    collapsed = {k: np.repeat(v.mean(0, keepdims=True), 8, 0) for k, v in ref.items()}
    assert card.evaluate("mean", collapsed).summary()["spread_sst"] < 1e-12


def test_pattern_spread_ignores_basin_wide_offsets():
    """States that differ only by a basin-wide surface offset have spread, no pattern spread."""
    grid = _grid()
    ref = _stable(grid, 1)
    offsets = np.array([-1.0, 0.0, 2.0, 3.0])
    season = {"T": ref["T"] + offsets[:, None, None, None] * grid.tmask,
              "S": np.repeat(ref["S"], 4, 0)}
    card = ReportCard(grid, "eos80", ref)
    s = card.evaluate("season", season).summary()
    assert s["spread_sst"] == pytest.approx(offsets.std(), rel=1e-9)
    assert s["pattern_spread_sst"] < 1e-9
    # against a direct computation with the grid's (uneven) cell areas
    rng = np.random.default_rng(3)
    noisy = {k: v + 0.1 * rng.standard_normal(v.shape) * grid.tmask for k, v in season.items()}
    sst, ocean = noisy["T"][:, 0], grid.tmask[0]
    area = grid.area * ocean
    anom = sst - ((sst * area).sum((1, 2)) / area.sum())[:, None, None]
    got = card.evaluate("noisy", noisy).summary()["pattern_spread_sst"]
    assert got == pytest.approx(anom.std(0)[ocean].mean(), rel=1e-12)


def test_report_files_and_cli(tmp_path):
    grid = _grid()
    ref = _stable(grid, 4)
    card = ReportCard(grid, "eos80", ref)
    noisy = {k: v + 0.3 * np.random.default_rng(1).standard_normal(v.shape) * grid.tmask
             for k, v in ref.items()}
    result = write_report(card, {"Data": ref, "Noisy": noisy}, tmp_path / "card")
    assert result["checks"]["Noisy"]["inversions"] is False
    table = (tmp_path / "card" / "report.md").read_text()
    assert "| Data |" in table and "| Noisy |" in table
    for name in ("ts_diagram.png", "stratification.png", "spread.png", "level_spread.png"):
        assert (tmp_path / "card" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    noisy_inv = result["summary"]["Noisy"]["inversion_pct_1e-05"]["mean"]
    assert noisy_inv > result["summary"]["Data"]["inversion_pct_1e-05"]["mean"]


@pytest.mark.skipif(not (SHARED / "data/gyre/gyre_states.nc").is_file(), reason="no shared data")
def test_cli_on_gyre(tmp_path, capsys):
    gyre = SHARED / "data" / "gyre"
    rc = main(["evaluate", "--mesh-mask", str(gyre / "mesh_mask.nc"), "--reference",
               str(gyre / "example_restart.nc"), "--set", f"Again={gyre / 'example_restart.nc'}",
               "--out", str(tmp_path), "--no-plots"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "| Data | 1 |" in out and "| Again | 1 |" in out
    with pytest.raises(ValueError, match="NAME=FILE"):
        main(["evaluate", "--mesh-mask", str(gyre / "mesh_mask.nc"), "--reference",
              str(gyre / "example_restart.nc"), "--set", "nofile", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError, match="mesh mask not found"):
        main(["evaluate", "--mesh-mask", str(tmp_path / "x.nc"), "--reference", "r.nc",
              "--out", str(tmp_path)])
    write_ensemble(tmp_path / "short.nc", {"T": np.zeros((1, 5, 22, 32)),
                                            "S": np.zeros((1, 5, 22, 32))})
    with pytest.raises(ValueError, match="short.nc: thetao has 5 levels but the model has 31"):
        main(["evaluate", "--mesh-mask", str(gyre / "mesh_mask.nc"), "--reference",
              str(tmp_path / "short.nc"), "--out", str(tmp_path)])


@pytest.mark.skipif(not (SHARED / "data/gyre/gyre_states.nc").is_file(), reason="no shared data")
def test_cli_holdout_is_a_row_and_a_second_set_of_checks(tmp_path, capsys):
    import json

    gyre = SHARED / "data" / "gyre"
    restart = str(gyre / "example_restart.nc")
    rc = main(["evaluate", "--mesh-mask", str(gyre / "mesh_mask.nc"), "--reference", restart,
               "--holdout", restart, "--holdout-name", "Unseen", "--set", f"Again={restart}",
               "--out", str(tmp_path), "--no-plots"])
    assert rc == 0
    assert "| Unseen | 1 |" in capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["checks_unseen"]) == {"Again"} and set(report["checks"]) == {"Again"}
    with pytest.raises(ValueError, match="--holdout-every must be >= 1"):
        main(["evaluate", "--mesh-mask", str(gyre / "mesh_mask.nc"), "--reference", restart,
              "--holdout", restart, "--holdout-every", "0", "--out", str(tmp_path)])


def test_spread_check_compares_a_constrained_set_with_the_data_under_its_constraints():
    from nemoml.evaluate.card.report import SPREADS, checks

    def entry(spread: float) -> dict:
        box = {"mean": 1.0, "std": 0.1}
        return {"inversion_pct_1e-05": {"mean": 0.0}, "n2_negative_pct": {"mean": 0.0},
                "bw_T": box, "bw_S": box, "dw_T": box, "dw_S": box, "c1_bias": 0.0,
                "n_states": 8, "nearest_train_median": 1.0, **dict.fromkeys(SPREADS, spread)}

    summary = {"Data": entry(1.6), "C1": entry(0.4)}
    assert not checks(summary, "Data", None)["C1"]["spread"]  # 0.4 < half of 1.6
    under = {"C1": dict.fromkeys(SPREADS, 0.36)}  # what C1 leaves of the data's own spread
    result = checks(summary, "Data", None, under)["C1"]
    assert result["spread"] and result["pattern_spread"]
    assert not checks(summary, "Data", None, {"C1": dict.fromkeys(SPREADS, 1.0)})["C1"]["spread"]


def _summary(card, sets: dict) -> dict:
    return {name: card.evaluate(name, f, is_reference=i == 0).summary()
            for i, (name, f) in enumerate(sets.items())}


def test_spread_diversity_and_memorisation_checks_fail_noise_collapse_and_copies():
    from nemoml.evaluate.card.report import checks

    grid = _grid()
    ref = _stable(grid, 24, seed=1)
    new = _stable(grid, 12, seed=2)  # fresh states of the same distribution
    card = ReportCard(grid, "eos80", ref)
    rng = np.random.default_rng(5)
    noisy = {k: v + 5 * v[:, :].std(0) * rng.standard_normal(v.shape) * grid.tmask
             for k, v in new.items()}
    collapsed = {k: np.repeat(v[:1], 12, 0) for k, v in new.items()}
    copies = {k: v[:12].copy() for k, v in ref.items()}
    sets = {"Data": ref, "New": new, "Noisy": noisy, "Collapsed": collapsed, "Copies": copies}
    got = checks(_summary(card, sets), "Data", None)
    assert all(got["New"].values()), got["New"]
    assert not got["Noisy"]["level_spread"] and not got["Noisy"]["diversity"]
    assert not got["Collapsed"]["level_spread"] and not got["Collapsed"]["diversity"]
    assert got["Copies"]["diversity"] and not got["Copies"]["memorisation"]
    # the training states' own leave-one-out distance is the memorisation reference
    s = _summary(card, {"Data": ref})["Data"]
    assert s["nearest_train_median"] > 0


def test_level_spread_below_resolution_is_not_judged(monkeypatch):
    """At 35 psu float32 resolves 3.8e-6, and the card does not judge spreads below 1e-4 psu
    (``LEVEL_SPREAD_FLOOR``): 4x of a sub-resolution spread and 10x of a resolved but negligible
    one pass, while 20x a judged spread fails; without the floor the negligible one fails."""
    from nemoml.evaluate.card import report
    from nemoml.evaluate.card.report import checks

    grid = _grid()
    ref = _stable(grid, 16, seed=1)
    rng = np.random.default_rng(7)
    deep = grid.tmask.sum((1, 2)) > 0
    k = int(np.flatnonzero(deep)[-1])  # the deepest ocean level

    def with_deep_s(states, std):
        out = {v: a.copy() for v, a in states.items()}
        out["S"][:, k] = (35.0 + std * rng.standard_normal(out["S"][:, k].shape)) * grid.tmask[k]
        return out

    data = with_deep_s(ref, 5e-7)
    sets = {"Data": data, "Tiny": with_deep_s(ref, 2e-6), "Small": with_deep_s(ref, 5e-5),
            "Big": with_deep_s(ref, 2e-3), "Resolved": with_deep_s(ref, 1e-4)}
    summ = _summary(ReportCard(grid, "eos80", data), sets)
    assert summ["Tiny"]["level_spread_S"][k] > 2.5 * 5e-7  # a 4x spread: out of bounds...
    assert summ["Data"]["level_resolution_S"][k] == pytest.approx(3.8147e-6, rel=1e-4)
    got = checks(summ, "Data", None)
    assert got["Tiny"]["level_spread"]  # ...but below what float32 resolves
    assert got["Small"]["level_spread"]  # resolved, 10x the data's, below the floor
    assert not got["Big"]["level_spread"]
    ref_big = checks({"Data": summ["Resolved"], "Big": summ["Big"]}, "Data", None)
    assert not ref_big["Big"]["level_spread"]  # 20x a judged spread fails
    monkeypatch.setattr(report, "LEVEL_SPREAD_FLOOR", {"T": 0.0, "S": 0.0})
    assert not checks(summ, "Data", None)["Small"]["level_spread"]


def test_n2_check_fails_a_set_with_unstable_columns():
    from nemoml.evaluate.card.report import checks

    grid = _grid()
    ref = _stable(grid, 8)
    bad = {k: v.copy() for k, v in ref.items()}
    bad["T"][:, [1, 2]] = ref["T"][:, [2, 1]]  # warm under cold at one interface everywhere
    card = ReportCard(grid, "eos80", ref)
    got = checks(_summary(card, {"Data": ref, "Bad": bad, "Good": _stable(grid, 8, 3)}),
                 "Data", None)
    assert not got["Bad"]["n2_negative"] and got["Good"]["n2_negative"]


def test_one_state_has_no_spread_check():
    from nemoml.evaluate.card.report import ONE_STATE, checks, checks_table

    grid = _grid()
    ref = _stable(grid, 8)
    card = ReportCard(grid, "eos80", ref)
    one = {k: v[:1] for k, v in _stable(grid, 1, 4).items()}
    got = checks(_summary(card, {"Data": ref, "One": one}), "Data", None)["One"]
    assert all(got[k] is None for k in ("spread", "pattern_spread", "level_spread",
                                         "diversity"))
    assert got["inversions"] and got["memorisation"]
    assert checks_table({"One": got}).count(ONE_STATE) == 4


def test_projection_moves_and_raw_rows(tmp_path):
    from nemoml.evaluate.card.report import projection_moves

    grid = _grid()
    ref = _stable(grid, 4)
    moved = {"T": ref["T"] + 0.3 * grid.tmask, "S": ref["S"].copy()}
    moved["S"][2, 1, 3, 4] += 0.05
    m = projection_moves(ref, moved, grid.tmask)
    assert m["rms_dT"] == pytest.approx(0.3) and m["max_dT"] == pytest.approx(0.3)
    assert m["max_dS"] == pytest.approx(0.05)
    assert m["rms_dS"] == pytest.approx(0.05 / np.sqrt(4 * grid.tmask.sum()))
    card = ReportCard(grid, "eos80", ref)
    out = write_report(card, {"Data": ref, "Set": moved}, tmp_path, plots=False,
                       raw={"Set": ref})
    assert "| Set (raw) |" in out["table"] and out["projection"]["Set"] == m


def test_projection_check_compares_the_move_with_the_datas(tmp_path):
    """A set the projection moves more than half as far as it moves the data onto the same
    constraints fails ``projection`` (against the data and the held-out states); one it moves
    less passes; a set without pre-projection states is not judged."""
    grid = _grid()
    ref = _stable(grid, 6)
    held = _stable(grid, 6, seed=5)
    shift = 0.2 * grid.tmask  # "the projection" moves the data by 0.2 degC everywhere
    under = {"Far": {"T": ref["T"] + shift, "S": ref["S"]},
             "Near": {"T": ref["T"] + shift, "S": ref["S"]}}
    held_under = {k: {"T": held["T"] + shift, "S": held["S"]} for k in under}
    final = _stable(grid, 6, seed=9)
    sets = {"Data": ref, "Unseen": held, "Far": final, "Near": final, "Plain": final}
    raw = {"Far": {"T": final["T"] - 0.15 * grid.tmask, "S": final["S"]},  # 0.75 of 0.2
           "Near": {"T": final["T"] - 0.05 * grid.tmask, "S": final["S"]}}  # 0.25 of 0.2
    card = ReportCard(grid, "eos80", ref)
    out = write_report(card, sets, tmp_path, plots=False, data_under=under, raw=raw,
                       unseen="Unseen", unseen_under=held_under)
    for got in (out["checks"], out["checks_unseen"]):
        assert not got["Far"]["projection"] and got["Near"]["projection"]
        assert "projection" not in got["Plain"]
    # the S move counts too: the data's S does not move, so any S move fails
    raw["Near"]["S"] = final["S"] - 1e-3 * grid.tmask
    out = write_report(card, sets, tmp_path, plots=False, data_under=under, raw=raw)
    assert not out["checks"]["Near"]["projection"]
    assert "Data onto Far's constraints" in out["table"]


def test_bench_paired_standard_error_sees_through_shared_noise():
    """Two ensembles from the same first states differ by a small, constant offset: the
    paired standard error of their difference is far below the unpaired one."""
    from nemoml.devtools.bench.generate import _figures, paired

    grid = _grid()
    a = _stable(grid, 24, seed=7)
    a["T"] = a["T"] + np.random.default_rng(8).standard_normal((24, 1, 1, 1)) * grid.tmask
    b = {"T": a["T"] + 0.01 * grid.tmask, "S": a["S"]}
    card = ReportCard(grid, "eos80", a)
    fa, fb = _figures(card, a), _figures(card, b)
    se = paired(card, (fa, a), (fb, b))
    unpaired = np.hypot(fa[1]["bw_T"].std(), fb[1]["bw_T"].std()) / np.sqrt(24)
    assert se["bw_T"] < 1e-6 * unpaired  # the offset is the same in every pair
    assert se["spread_sst"] < 1e-9  # a uniform offset leaves the spread unchanged
    assert se["c1_bias"] > 0



def test_horizontal_structure_against_a_direct_computation():
    """``pattern_T``: RMS over the ocean volume of T's departure from its level mean; level
    means alone give 0, an added pattern gives its volume-weighted RMS (direct numpy)."""
    grid = _grid()
    flat = _stable(grid, 1)
    flat["T"] = np.where(grid.tmask, flat["T"].mean(axis=(2, 3), keepdims=True), 0.0)
    card = ReportCard(grid, "eos80", flat)
    assert card.evaluate("flat", flat).per_state["pattern_T"][0] == pytest.approx(0, abs=1e-12)
    rng = np.random.default_rng(1)
    t = flat["T"][0] + 0.3 * rng.standard_normal(grid.shape) * grid.tmask
    vol = grid.e3t[:, None, None] * grid.area[None] * grid.tmask
    level = (t * vol).sum((1, 2)) / np.maximum(vol.sum((1, 2)), 1e-30)
    expect = np.sqrt(((t - level[:, None, None]) ** 2 * vol).sum() / vol.sum())
    got = card.evaluate("pattern", {"T": t[None], "S": flat["S"]}).per_state["pattern_T"][0]
    assert got == pytest.approx(expect, rel=1e-12) and 0.2 < got < 0.4


def test_given_targets_replace_the_reference_mean_and_are_checked():
    grid = _grid()
    states = _stable(grid, 3)
    own = ReportCard(grid, "eos80", states)
    shifted = {k: v + 0.01 for k, v in own.targets.items()}
    card = ReportCard(grid, "eos80", states, targets=shifted)
    m = card.evaluate("x", states)
    raw = own._raw("c1", states)
    assert m.per_state["c1_rms"] == pytest.approx(
        np.sqrt(np.mean((raw - shifted["c1"]) ** 2, 1)))
    with pytest.raises(ValueError, match="c1 has 3 values"):
        ReportCard(grid, "eos80", states, targets={**shifted, "c1": [1.0, 2.0, 3.0]})
    with pytest.raises(KeyError, match="'ts' is missing"):
        ReportCard(grid, "eos80", states, targets={"c1": shifted["c1"], "c2": shifted["c2"]})

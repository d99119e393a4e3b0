"""Cycled assimilation's bookkeeping: NEMO calendars, windows (the last partial one), IAU
weights, the rolling window's completion of the pending increment, and the settings' checks."""

import numpy as np
import pytest

from nemoml.assimilate.cycling.clock import Clock, iau_weights
from nemoml.assimilate.cycling.window import RollingWindow
from nemoml.bridge.settings import Settings
from nemoml.io import nemo_add_days
from nemoml.io.calendar import day_number


@pytest.mark.parametrize("leapy", [1, 0, 30])
def test_day_number_inverts_nemo_add_days(leapy):
    for n in (0, 1, 59, 365, 1461, 48240, 700000):
        date = int(nemo_add_days(10101, n, leapy))
        assert day_number(date, leapy) == n


def test_day_number_matches_gyre_daily_time():
    # gyre_daily: the state at the end of 0135-01-01 (360-day) has time 48241
    assert day_number(1350101, 30) + 1 == 48241
    assert day_number(10101, 1) == 0 and day_number(20000301, 1) - day_number(20000228, 1) == 2
    assert day_number(20010301, 0) - day_number(20010228, 0) == 1


def gyre_clock(days: int, window: int = 10, **kw) -> Clock:
    return Clock(1350101, 30, 14400.0, 1, days * 6, window, **kw)


def test_windows_dates_and_the_last_partial_window():
    c = gyre_clock(25)
    assert (c.steps_per_day, c.sample_steps, c.window_steps, c.n_windows) == (6, 6, 60, 3)
    assert [kt for kt in range(1, 151) if c.is_sample(kt)] == list(range(6, 151, 6))
    assert [kt for kt in range(1, 151) if c.is_window_end(kt)] == [60, 120, 150]
    # the increment of window 1 fits in the 5-day partial window; the run's end is not analysed
    assert [c.iau_steps(kt) for kt in (6, 60, 120, 150)] == [0, 60, 30, 0]
    assert c.date(60) == pytest.approx(1350111.0) and c.date(150) == pytest.approx(1350126.0)
    assert c.date(3) == pytest.approx(1350101.12)  # 12:00 after 3 steps of 4 h
    assert c.window_times(2) == (48260.0, 48265.0)
    assert c.window_of(121) == 2 and c.window_of(120) == 1
    assert "the last partial (30 steps)" in c.describe()


def test_360_day_calendar_has_30_day_february():
    c = Clock(1350215, 30, 14400.0, 1, 6 * 40, 10)
    assert c.date(6 * 15) == pytest.approx(1350230.0)  # 15 Feb + 15 days: 30 Feb
    assert c.date(6 * 16) == pytest.approx(1350301.0)
    g = Clock(20240220, 1, 3600.0, 1, 24 * 30, 10)
    assert g.date(24 * 10) == pytest.approx(20240301.0)  # Gregorian leap day
    n = Clock(20240220, 0, 3600.0, 1, 24 * 30, 10)
    assert n.date(24 * 10) == pytest.approx(20240302.0)  # no leap day


def test_a_restarted_run_counts_from_nit000():
    c = Clock(1350101, 30, 14400.0, 361, 720, 10)
    assert c.is_sample(366) and not c.is_sample(360) and c.is_window_end(420)
    assert c.days(366) == 1.0 and c.iau_steps(420) == 60


@pytest.mark.parametrize("bad, message", [
    (dict(window_days=40), "longer than the run"),
    (dict(freq=7), "not a multiple of nn_nemoml_freq"),
    (dict(rdt=0.0), "must be > 0"),
    (dict(date0=1350231), "not a date"),
    (dict(itend=0), "nn_nemoml_itend"),
])
def test_bad_clocks_say_why(bad, message):
    kw = dict(date0=1350101, leapy=30, rdt=14400.0, it000=1, itend=180, window_days=10)
    with pytest.raises(ValueError, match=message):
        Clock(**{**kw, **bad})


def nemo_hat(n: int) -> np.ndarray:
    """NEMO 5.0 asm_inc_init's nn_iaufn = 1 loop, transcribed."""
    w = np.zeros(n)
    if n % 2 == 0:
        imid = n // 2
        norm = 2.0 * sum(range(1, imid + 1))
    else:
        imid = (n + 1) // 2
        norm = 2.0 * sum(range(1, imid)) + imid
    for jt in range(1, imid):
        w[jt - 1] = jt / norm
    for jt in range(imid, n + 1):
        w[jt - 1] = (n - jt + 1) / norm
    return w


@pytest.mark.parametrize("n", [1, 2, 3, 7, 30, 59, 60, 61, 360])
def test_iau_weights_sum_to_one(n):
    for fn in (0, 1):
        w = iau_weights(n, fn)
        assert w.shape == (n,) and (w > 0).all()
        assert w.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(iau_weights(n, 0), 1.0 / n)
    hat = iau_weights(n, 1)
    np.testing.assert_allclose(hat, hat[::-1])  # symmetric about the window centre
    if n % 2:
        np.testing.assert_allclose(hat, nemo_hat(n), rtol=1e-14)
    else:  # NEMO's even-length loop overweights its middle step: its sum exceeds one
        m = n // 2
        assert nemo_hat(n).sum() == pytest.approx(1 + 1 / (m * (m + 1)))


def test_rolling_window_completes_the_pending_increment():
    win = RollingWindow()
    inc = {"T": np.ones((2, 3, 4)), "SSH": np.full((3, 4), 2.0)}
    w = iau_weights(4, 0)
    win.arm(8, w, inc)
    for kt in (9, 10, 11, 12, 13):
        win.add(kt, {"T": np.zeros((2, 3, 4)), "SSH": np.zeros((3, 4))})
    bkg = win.background()
    np.testing.assert_allclose(bkg["T"][:, 0, 0, 0], [0.75, 0.5, 0.25, 0.0, 0.0])
    np.testing.assert_allclose(bkg["SSH"][:, 0, 0], [1.5, 1.0, 0.5, 0.0, 0.0])
    assert bkg["T"].dtype == np.float32 and win.nbytes == 5 * (24 + 12) * 4
    with pytest.raises(ValueError, match="must increase"):
        win.add(13, {"T": np.zeros((2, 3, 4)), "SSH": np.zeros((3, 4))})


def cycle_settings(**kw) -> str:
    base = dict(nn_nemoml_cycle=10, cn_nemoml_enoi_ens="'ens.nc'", cn_nemoml_obs="'obs.nc'",
                rn_nemoml_rdt="1.4400000000000000E+004", nn_nemoml_itend=360,
                nn_nemoml_date0=1350101, nn_nemoml_leapy=30, nn_nemoml_iaufn=1)
    return "\n".join(f"{k} = {v}" for k, v in {**base, **kw}.items())


def test_settings_build_the_clock_from_the_host_values():
    s = Settings.from_text(cycle_settings())
    assert s.rn_nemoml_rdt == 14400.0 and s.hook_spec("nemoml_cycle") == "cycle:enoi"
    assert s.clock().n_windows == 6
    assert Settings.from_text(cycle_settings(nn_nemoml_cycle=0)).hook_spec("nemoml_cycle") == ""
    assert Settings.from_text(cycle_settings(rn_nemoml_rdt=14400)).rn_nemoml_rdt == 14400.0
    assert s.rn_nemoml_enoi_alpha == 0.1  # B for cycled errors (docs/assimilation.md)


@pytest.mark.parametrize("kw, message", [
    (dict(nn_nemoml_cycle=61), "longer than the run"),
    (dict(cn_nemoml_cycle_method="'4dvarnet'"), "needs cn_nemoml_da: no analysis handler"),
    (dict(cn_nemoml_enoi_ens="''"), "needs cn_nemoml_enoi_ens"),
    (dict(cn_nemoml_obs="''"), "needs cn_nemoml_obs"),
    (dict(nn_nemoml_iaufn=2), "nn_iaufn is 0"),
    (dict(rn_nemoml_rdt=0), "must be > 0"),
    (dict(ln_nemoml_asm=".true.", cn_nemoml_da="'solver'"), "both arm asminc"),
    (dict(cn_nemoml_cycle_method="'oi'"), "choose one of"),
    (dict(rn_nemoml_enoi_alpha="0."), "scaling of EnOI's B must be > 0"),
])
def test_bad_cycle_settings_say_why(kw, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_text(cycle_settings(**kw))


def test_packaged_4dvarnet_is_stable_on_a_background_near_the_truth():
    from nemoml.assimilate.cycling import replay_case as replay
    from nemoml.assimilate.gyre.export import load_state_solver
    from nemoml.assimilate.obs.binning import bin_obs
    from nemoml.assimilate.obs.ocean_grid import OceanGrid
    from nemoml.base.packaged import GYRE_SOLVER as PACKAGED_DA

    solver = load_state_solver(PACKAGED_DA)
    data = replay.load(solver.window, shared=False)
    grid = OceanGrid.from_mesh_mask(replay.mesh_mask())
    binned = bin_obs(replay.observe(data), grid, data.truth.days[0] - 1.0, solver.window, "obs",
                     tuple(solver.layout.variables))
    nz = solver.layout.grid.shape[0]
    bkg = {v: a if v == "SSH" else a[:, :nz] for v, a in data.truth.as_dict().items()}
    inc = solver.increment(bkg, binned)
    assert np.abs(inc["T"]).max() < 5.0  # a good background needs a small increment

"""The bench's inline row scores what the inline hook computes: the exported solver started
from a stale background held over the window, not the offline mapping without a background."""

import numpy as np

from nemoml.assimilate import load_solver
from nemoml.assimilate.qg import osse
from nemoml.assimilate.qg.comparison import map_inline, map_windows
from nemoml.base.packaged import QG_SAMPLE as SAMPLE_QG
from nemoml.base.packaged import QG_SOLVER as DEMO_MODEL


def test_map_inline_is_background_plus_the_hook_increment():
    solver = load_solver(DEMO_MODEL)
    meta = solver.meta
    scn = osse.build(SAMPLE_QG, n=meta["grid"][1], n_sat=4, noise_m=meta["noise_m"], seed=1,
                     norm=(meta["norm"]["mean"], meta["norm"]["std"]))
    n_t, c, lag = solver.window, int(meta["centre_index"]), 5
    days = np.array([20, 31])
    est, bkg = map_inline(scn, days, solver, lag=lag)
    for i, d in enumerate(days):
        # what the 4dvarnet handler does at asm_inc_init with NEMO's SSH as the background
        state = scn.truth.ssh[d - lag].astype(np.float32)
        window = np.repeat(state[None], n_t, axis=0)
        obs = np.nan_to_num(scn.obs[d - c: d - c + n_t])
        inc = solver.increment(window, obs, scn.mask[d - c: d - c + n_t])
        np.testing.assert_array_equal(bkg[i], state)
        np.testing.assert_allclose(est[i], state + inc, atol=1e-6)
    # the offline centre day (no background) is another configuration: it must differ
    _, centre = map_windows(scn, days, n_t, solver.module.model)
    assert np.sqrt(np.mean((centre - est) ** 2)) > 1e-3
    # and the analysis beats its background
    truth = scn.truth.ssh[days]
    assert np.sqrt(np.mean((est - truth) ** 2)) < 0.7 * np.sqrt(np.mean((bkg - truth) ** 2))

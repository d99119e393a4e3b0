"""The 3D multivariate 4DVarNet on GYRE: training reduces the cost, export, input checks."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from nemoml.assimilate.fourdvarnet.multivariate import StateSolverConfig
from nemoml.assimilate.gyre import twin as gyre
from nemoml.assimilate.gyre.checkpoint import build_model, load_checkpoint, save_checkpoint
from nemoml.assimilate.gyre.export import export_state_solver, load_state_solver
from nemoml.assimilate.gyre.train import Experiment, Sampler, Train3DConfig, loss_fn
from nemoml.assimilate.obs.binning import bin_obs

pytestmark = pytest.mark.skipif(not gyre.DAILY.is_file(), reason="needs ../shared/data/gyre_daily")

TINY = StateSolverConfig(hidden_prior=4, hidden_lstm=4, n_step=2, subspace_rank=4)


@pytest.fixture(scope="module")
def exp():
    e = Experiment()
    e.truth["train"] = e.load("train").take(np.arange(12))  # a short record keeps it fast
    return e


@pytest.fixture(scope="module")
def window(exp):
    tr = exp.load("train")
    cfg = Train3DConfig()
    obs = exp.observe("train", cfg, seed=5)
    bkg = gyre.background(tr, 1, 10, exp.patterns["train"], 3)
    return bkg, bin_obs(obs, exp.grid, float(np.floor(tr.days[1])), 10, "obs"), obs


def test_layout_channels_follow_the_generator(exp):
    lay = exp.layout
    assert lay.channels == 61 and lay.channel_names[0] == "T0" and lay.channel_names[-1] == "SSH"
    assert lay.levels == list(range(30))  # level 31 is land everywhere in GYRE


def test_a_few_training_steps_reduce_the_loss(exp, window):
    torch.manual_seed(0)
    # plain descent switched on (lr_grad 0.1) so the few steps train the prior through it too
    cfg = Train3DConfig(solver=replace(TINY, lr_grad=0.1), batch=2)
    sampler = Sampler(exp, window[2], cfg)
    rng = np.random.default_rng(0)
    batch = sampler.batch(rng)
    model = build_model(cfg.solver, exp.layout, exp.subspace(cfg, sampler.truth))
    weights = exp.loss_weights()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tgt, bkg, y, w = batch
    losses = []
    for _ in range(12):
        loss = loss_fn(model(bkg, y, w), tgt, weights, 10, model)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert max(losses[-3:]) < 0.8 * losses[0], losses
    # the solver's own variational cost falls from the background to the analysis
    with torch.no_grad():
        out = model(bkg, y, w)
        assert (model.cost(out, y, w) < model.cost(bkg * model.ocean, y, w)).all()
        assert torch.all(out[:, model.ocean[0] == 0] == 0)  # land stays land


def test_obs_weights_follow_each_variables_noise(exp, window):
    _, binned, _ = window
    y, w = exp.codec.encode_obs(binned)
    lay = exp.layout
    w = w.reshape(10, lay.channels, lay.height, lay.width)
    t0, s0, ssh = lay.slices["T"].start, lay.slices["S"].start, lay.slices["SSH"].start
    # Argo S (0.005 psu) outweighs SST (0.2 degC) relative to each channel's spread; unobserved 0
    argo_s = w[:, s0][w[:, s0] > 0]
    assert argo_s.numel() > 0 and (w[:, t0][w[:, t0] > 0].min() < argo_s.max())
    assert (w[:, ssh] > 0).sum() == (binned.count["SSH"] > 0).sum()
    assert float(w.max()) <= 1.0


@pytest.fixture(scope="module")
def exported(exp, tmp_path_factory):
    torch.manual_seed(1)
    model = build_model(TINY, exp.layout, exp.subspace(Train3DConfig(solver=TINY)))
    d = tmp_path_factory.mktemp("da3d")
    save_checkpoint(d / "tiny.pt", model, None, Train3DConfig(solver=TINY), exp, {"step": 0})
    model, ckpt = load_checkpoint(d / "tiny.pt")
    info = export_state_solver(model, ckpt, d / "solver")
    return d, info


def test_torchscript_pt2_and_checkpoint_agree(exported, window):
    d, info = exported
    bkg, binned, _ = window
    assert info["pt2"] == "solver.pt2", info.get("pt2_error")
    incs = [load_state_solver(p, prefer).increment(bkg, binned)
            for p, prefer in ((d / "tiny.pt", "ts"), (d / "solver", "ts"), (d / "solver", "pt2"))]
    for v in ("T", "S", "SSH"):
        assert np.abs(incs[0][v]).max() > 0
        for other in incs[1:]:
            assert np.allclose(other[v], incs[0][v], atol=1e-5 * np.abs(incs[0][v]).max())


def test_bad_background_and_window_are_named(exported, window):
    d, _ = exported
    solver = load_state_solver(d / "solver")
    bkg, binned, _ = window
    bad = {v: a.copy() for v, a in bkg.items()}
    bad["S"][4, 7, 10, 12] = np.nan
    with pytest.raises(ValueError, match=r"bkg.nc: background S has 1 NaN/inf ocean value\(s\), "
                                         r"first at \(day, k, j, i\) = \(4, 7, 10, 12\)"):
        solver.increment(bad, binned, "bkg.nc")
    short = {v: a[:7] for v, a in bkg.items()}
    with pytest.raises(ValueError, match="covers 7 days, the solver .* 10-day windows"):
        solver.increment(short, binned, "bkg.nc")


def test_an_interrupted_run_resumes_bit_for_bit(exp, tmp_path):
    """Two steps in one go equal one step, a stop, and ``--resume`` to the second."""
    from nemoml.assimilate.gyre.train import train

    exp.truth["val"] = exp.load("val").take(np.arange(12))
    cfg = Train3DConfig(solver=TINY, steps=2, batch=2, val_every=1, val_windows=1,
                        prior_steps=2)
    train(cfg, tmp_path / "one", progress=False, exp=exp)
    train(replace(cfg, steps=1), tmp_path / "two", progress=False, exp=exp)
    train(cfg, tmp_path / "two", resume=True, progress=False, exp=exp)
    a, b = (torch.load(tmp_path / d / "last.pt", weights_only=False) for d in ("one", "two"))
    assert a["step"] == b["step"] == 2
    for key, value in a["state"].items():
        assert torch.equal(value, b["state"][key]), key
    assert [h["val_ratio_T"] for h in a["history"]] == [h["val_ratio_T"] for h in b["history"]]

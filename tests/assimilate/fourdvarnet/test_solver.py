"""4DVarNet solver: closed-form gradient, train/eval equality, export, training, 4DVar."""

import numpy as np
import pytest
import torch

from nemoml.assimilate.baselines.fourdvar import fourdvar
from nemoml.assimilate.fourdvarnet.solver import FourDVarNet, SolverConfig
from nemoml.assimilate.qg.export import export, load_solver
from nemoml.assimilate.qg.train import TrainConfig, Windows, load_model, train

SMALL = SolverConfig(channels=3, hidden_prior=4, hidden_lstm=4, n_step=3)


def window(b=2, c=3, h=8, w=12, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    y = torch.randn(b, c, h, w, generator=g, dtype=dtype)
    mask = (torch.rand(b, c, h, w, generator=g) > 0.6).to(dtype)
    return y, mask


@pytest.mark.parametrize("circ", [(True, True), (False, True), (False, False)])
def test_closed_form_gradient_matches_autograd(circ):
    torch.manual_seed(0)
    cfg = SolverConfig(channels=3, hidden_prior=5, hidden_lstm=4, circular_y=circ[0],
                       circular_x=circ[1])
    model = FourDVarNet(cfg).double()
    y, mask = window(dtype=torch.float64)
    x = torch.randn_like(y, requires_grad=True)
    (g_ref,) = torch.autograd.grad(model.cost(x, y, mask).sum(), x)
    assert torch.allclose(model.cost_grad(x.detach(), y, mask), g_ref, atol=1e-12)


def test_train_and_eval_modes_agree_and_batches_are_independent():
    torch.manual_seed(1)
    model = FourDVarNet(SMALL)
    y, mask = window(b=3)
    y[mask == 0] = float("nan")  # unobserved values never leak in
    out_train = model.train()(y, mask)
    with torch.no_grad():
        out_eval = model.eval()(y, mask)
        alone = model(y[1:2], mask[1:2])
    assert torch.isfinite(out_eval).all()
    assert torch.allclose(out_train, out_eval, atol=1e-6)
    assert torch.allclose(alone, out_eval[1:2], atol=1e-6)


def test_exported_solver_matches_eager_and_checks_input(tmp_path):
    torch.manual_seed(2)
    model = FourDVarNet(SMALL).eval()
    info = export(model, {"norm": {"mean": 0.1, "std": 0.5}, "grid": [8, 12]}, tmp_path)
    assert (tmp_path / "solver.ts").is_file() and info["window"] == 3
    rng = np.random.default_rng(0)
    bkg = rng.standard_normal((3, 8, 12)).astype(np.float32)
    obs = rng.standard_normal((3, 8, 12)).astype(np.float32)
    mask = rng.random((3, 8, 12)) > 0.7
    with torch.no_grad():
        ref = model((torch.from_numpy(obs)[None] - 0.1) / 0.5,
                    torch.from_numpy(mask.astype(np.float32))[None],
                    (torch.from_numpy(bkg)[None] - 0.1) / 0.5)[0].numpy() * 0.5 + 0.1
    kinds = ["ts"] + (["pt2"] if info["pt2"] else [])
    for kind in kinds:
        solver = load_solver(tmp_path, prefer=kind)
        assert np.allclose(solver(bkg, obs, mask), ref, atol=1e-5)
        inc = solver.increment(bkg, obs, mask)
        assert np.allclose(inc, ref[1] - bkg[1], atol=1e-5)
    solver = load_solver(tmp_path / "solver.json")
    bad = bkg.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="background has 1 NaN"):
        solver(bad, obs, mask)
    with pytest.raises(ValueError, match="must share one"):
        solver(bkg, obs, mask[:, :-1])
    with pytest.raises(ValueError, match="empty window"):
        solver(bkg, obs, np.zeros_like(mask))
    with pytest.raises(ValueError, match="trained on 3"):
        solver(bkg[:2], obs[:2], mask[:2])
    with pytest.raises(FileNotFoundError, match="solver.json"):
        load_solver(tmp_path / "nowhere")


def test_training_writes_checkpoints_that_reload(tmp_path):
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.standard_normal((40, 8, 8)), axis=0).astype(np.float32) / 5
    mask = rng.random(t.shape) < 0.3
    win = Windows(t, np.where(mask, t, np.nan).astype(np.float32), mask, 0.05)
    cfg = TrainConfig(solver=SMALL, epochs=2, batch=4)
    res = train(win, win, cfg, tmp_path, {"norm": {"mean": 0.0, "std": 1.0}}, progress=False)
    assert len(res["history"]) == 2 and np.isfinite(res["best_val_rmse"])
    model, ckpt = load_model(tmp_path / "best.pt")
    assert ckpt["val_rmse"] == res["best_val_rmse"]
    y = torch.from_numpy(win.obs[None, :3])
    m = torch.from_numpy(mask[None, :3].astype(np.float32))
    with torch.no_grad():
        assert torch.isfinite(model(y, m)).all()
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.pt")


def test_fourdvar_descends_the_cost():
    torch.manual_seed(3)
    model = FourDVarNet(SMALL)
    y, mask = window(b=2)
    with torch.no_grad():
        start = model.cost(model.guess(y, mask), y, mask)  # 4DVar starts from the first guess
        for n in (5, 50):
            x = fourdvar(model, y, mask, n_iter=n, step=0.05)
            cost = model.cost(x, y, mask)
            assert (cost < start).all()
            start = cost

"""The sampler's Gaussian first state (``start.py``) against direct numpy statistics."""

import numpy as np
import pytest
import torch

from nemoml.generate.start import GaussianStart

SHAPE = (3, 6, 8)  # channels, height, width


def _states(n: int, seed: int = 0):
    """States = mean + 3 modes of variance 400, 25, 1e-4 (per state, summed over values)."""
    rng = np.random.default_rng(seed)
    mask = np.ones((1, *SHAPE), np.float32)
    mask[..., :2, :2] = 0  # land
    u = rng.standard_normal((3, int(np.prod(SHAPE)))) * mask.reshape(1, -1)
    u, _ = np.linalg.qr(u.T)  # orthonormal ocean modes
    amp = np.sqrt([400.0, 25.0, 1e-4])
    w = rng.standard_normal((n, 3))
    mean = rng.standard_normal(SHAPE) * mask[0]
    x = mean.reshape(1, -1) + (w * amp) @ u.T
    return torch.from_numpy(x.reshape(n, *SHAPE).astype(np.float32)), torch.from_numpy(mask)


def test_fit_keeps_the_modes_with_signal_and_their_covariance():
    x, mask = _states(400)
    start = GaussianStart.fit(x, mask, snr=1e-3)  # signal 0.29, 0.024, 1e-7: two modes kept
    assert start.modes.shape == (2, *SHAPE)
    flat = x.reshape(400, -1).double().numpy()
    cov = np.cov(flat, rowvar=False)
    m = start.modes.reshape(2, -1).double().numpy()
    assert np.allclose(m.T @ m, cov, atol=2e-3 * np.abs(cov).max())
    assert np.allclose(start.mean.numpy(), flat.mean(0).reshape(SHAPE), atol=1e-5)
    assert 0 < start.residual < 1e-5  # the dropped mode, per ocean value


def test_samples_have_the_databases_statistics():
    x, mask = _states(400)
    start = GaussianStart.fit(x, mask, snr=1e-3)
    gens = [torch.Generator().manual_seed(i) for i in range(4000)]
    ab = 0.25
    got = start.sample(gens, ab, torch.zeros(4000, *SHAPE))  # noise-free: sqrt(ab) x0
    basin = (got / np.sqrt(ab)).mean((1, 2, 3)).double().numpy()
    ref = x.mean((1, 2, 3)).double().numpy()
    assert abs(basin.mean() - ref.mean()) < 4 * ref.std() / np.sqrt(4000)
    assert abs(basin.std() / ref.std() - 1) < 0.1


def test_a_condition_fixes_the_weights_it_observes():
    x, mask = _states(400)
    start = GaussianStart.fit(x, mask, snr=1e-3)
    truth = x[7:8]
    m = torch.zeros(1, *SHAPE)
    m[:, 0] = mask[:, 0]  # the first channel (a "surface") observed
    gens = [torch.Generator().manual_seed(i) for i in range(64)]
    w = start.weights(gens, (truth, m))
    fitted = start.mean + torch.einsum("nk,kchw->nchw", w, start.modes)
    err = (fitted - truth)[:, 1:].abs().max()  # unobserved channels follow through the modes
    free = start.weights(gens)
    loose = (start.mean + torch.einsum("nk,kchw->nchw", free, start.modes) - truth)[:, 1:]
    assert err < 0.05 and loose.abs().max() > 10 * err
    assert w.std(0).max() < 0.05  # little left to draw


def test_save_load_round_trip(tmp_path):
    x, mask = _states(50)
    start = GaussianStart.fit(x, mask, snr=1e-3)
    start.save(tmp_path / "start.npz")
    back = GaussianStart.load(tmp_path / "start.npz")
    assert back.modes.dtype == torch.float32 and back.modes.shape == start.modes.shape
    assert torch.allclose(back.modes, start.modes, rtol=2e-3, atol=1e-3)
    assert back.residual == start.residual


def test_chunked_gram_fit_equals_the_dense_svd():
    """Modes by the chunked Gram matrix = a dense float64 SVD of the anomalies (up to sign)."""
    x, mask = _states(50, seed=4)
    start = GaussianStart.fit(x, mask, snr=1e-3, chunk=7)  # chunks do not divide C H W
    a = (x.double() - x.double().mean(0)).reshape(50, -1) / np.sqrt(49)
    _, s, vh = torch.linalg.svd(a, full_matrices=False)
    dense = (s[:2, None] * vh[:2]).float()
    got = start.modes.reshape(2, -1)
    for k in range(2):
        sign = torch.sign((got[k] * dense[k]).sum())
        assert torch.allclose(got[k], sign * dense[k], atol=1e-4 * dense[k].abs().max())
        assert got[k][got[k].abs().argmax()] > 0  # the sign convention
    assert start.residual == pytest.approx(float((s[2:] ** 2).sum() / mask.sum()), rel=1e-3)

import math

import pytest
import torch

from nemoml.generate.schedule import SNR_START, Schedule, cosine_alpha_bar

from .helpers import gaussian_posterior_step


def test_cosine_schedule_matches_closed_form():
    ab = cosine_alpha_bar(1000)
    f = lambda t: math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    for t in (0, 10, 500, 900):
        assert ab[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert (ab[1:] < ab[:-1]).all() and ab[-1] > 0


def test_sampling_starts_at_the_snr_floor():
    sched = Schedule(1000)
    assert sched.snr(sched.t_start) >= SNR_START > sched.snr(sched.t_start + 1)
    assert sched.snr(500) == pytest.approx(sched.ab(500) / (1 - sched.ab(500)))
    assert 900 < sched.t_start < 999  # the capped last betas are skipped, little else


def test_timesteps_every_step_or_quadratic():
    sched = Schedule(1000)
    every = list(range(sched.t_start, -1, -1))
    assert sched.timesteps() == every and sched.timesteps(1000) == every
    for n in (2, 10, 50, 200):
        ts = sched.timesteps(n)
        assert len(ts) == n and ts[0] == sched.t_start and ts[-1] == 0
        assert all(a > b for a, b in zip(ts, ts[1:], strict=False))
    ts = sched.timesteps(50)[::-1]  # increasing
    gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
    assert gaps[:3] == [1, 1, 2] and gaps[-1] > 30  # short steps near t = 0, long near noise
    assert ts[25] == round(sched.t_start * (25 / 49) ** 2)
    assert sched.timesteps(1) == [sched.t_start]
    for bad in (0, 1001):
        with pytest.raises(ValueError, match="steps"):
            sched.timesteps(bad)


def test_eta1_step_is_ddpm_posterior():
    sched = Schedule(1000)
    gen = torch.Generator().manual_seed(0)
    x_t, x0, z = (torch.randn(3, 4, 5, generator=gen, dtype=torch.float64) for _ in range(3))
    for t in (999, 500, 1):
        ab_t, ab_prev = sched.ab(t), sched.ab(t - 1)
        mean, var = gaussian_posterior_step(x_t, x0, ab_t, ab_prev)
        got = sched.step(x_t, x0, t, t - 1, 1.0, z)
        assert torch.allclose(got, mean + math.sqrt(var) * z, atol=1e-10)


def test_ddim_eta0_deterministic_and_exact_at_end():
    sched = Schedule(1000)
    x_t = torch.randn(8, dtype=torch.float64)
    x0 = torch.randn(8, dtype=torch.float64)
    assert torch.equal(sched.step(x_t, x0, 3, -1, 0.0, None), x0)
    a = sched.step(x_t, x0, 500, 480, 0.0, torch.randn(8, dtype=torch.float64))
    b = sched.step(x_t, x0, 500, 480, 0.0, None)
    assert torch.equal(a, b)

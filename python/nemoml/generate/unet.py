"""A small TorchScript-friendly UNet denoiser over the horizontal grid (levels are channels).

Its convolutions pad by the grid's boundaries (``nemoml.grid.padding``): zeros on closed grids,
wrapped columns on east-west periodic ones, folded rows on ORCA's north fold.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nemoml.grid.padding import Boundaries, Conv2d, ConvTranspose2d


def _groups(channels: int) -> int:
    for g in (8, 4, 2):
        if channels % g == 0:
            return g
    return 1


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, t_dim: int, bounds: Boundaries | None = None):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = Conv2d(c_in, c_out, 3, bounds=bounds)
        self.temb = nn.Linear(t_dim, c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = Conv2d(c_out, c_out, 3, bounds=bounds)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.act(self.norm1(x)))
        h = h + self.temb(temb)[:, :, None, None]
        h = self.conv2(self.act(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """Epsilon-prediction UNet.

    Parameters
    ----------
    channels : int
        State channels (levels of each 3-D variable plus SSH).
    base : int
        Width of the first stage; stage ``i`` has ``base * mults[i]`` channels.
    mults : tuple of int
        One entry per resolution; the grid must be divisible by ``2 ** (len(mults) - 1)``.
    blocks : int
        Residual blocks per stage.
    bounds : Boundaries, optional
        The grid's edges (default closed). Periodic or folded edges need the grid's own width
        and height (no layout padding on those edges).
    """

    def __init__(self, channels: int, base: int = 32, mults=(1, 2, 2), blocks: int = 1,
                 bounds: Boundaries | None = None):
        super().__init__()
        self.t_dim = base * 4
        self.half = base // 2
        self.time_mlp = nn.Sequential(
            nn.Linear(base, self.t_dim), nn.SiLU(), nn.Linear(self.t_dim, self.t_dim)
        )
        # the land mask of every channel enters as input, so one network fits any coastline
        self.inp = Conv2d(2 * channels, base, 3, bounds=bounds)
        widths = [base * m for m in mults]
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        c = base
        skips = []
        for i, w in enumerate(widths):
            stage = nn.ModuleList()
            for _ in range(blocks):
                stage.append(ResBlock(c, w, self.t_dim, bounds))
                c = w
            self.down.append(stage)
            skips.append(c)
            last = i == len(widths) - 1
            self.pool.append(nn.Identity() if last else Conv2d(c, c, 3, 2, bounds))
        self.mid = ResBlock(c, c, self.t_dim, bounds)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, w in reversed(list(enumerate(widths))):
            stage = nn.ModuleList()
            for b in range(blocks):
                stage.append(ResBlock(c + skips[i] if b == 0 else c, w, self.t_dim, bounds))
                c = w
            self.up.append(stage)
            first = i == 0
            self.upsample.append(
                nn.Identity() if first else ConvTranspose2d(c, c, bounds)
            )
        self.out_norm = nn.GroupNorm(_groups(c), c)
        self.out = Conv2d(c, channels, 3, bounds=bounds)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        # per-channel, step-dependent skip from input to output: at high noise eps ~ x_t,
        # which a network narrower than the state (base < channels) cannot pass through
        self.skip_gain = nn.Linear(self.t_dim, channels)
        nn.init.zeros_(self.skip_gain.weight)
        nn.init.zeros_(self.skip_gain.bias)
        self.act = nn.SiLU()

    def embed(self, t: torch.Tensor) -> torch.Tensor:
        freqs = torch.exp(
            -math.log(10000.0) * torch.arange(self.half, device=t.device, dtype=torch.float32)
            / self.half
        )
        args = t.float()[:, None] * freqs[None, :]
        return self.time_mlp(torch.cat([torch.sin(args), torch.cos(args)], dim=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Predict the noise of ``x`` (B, C, H, W) at integer steps ``t`` (B,)."""
        temb = self.embed(t)
        m = mask.to(x.dtype).expand(x.shape[0], -1, -1, -1)
        h = self.inp(torch.cat([x * m, m], dim=1))
        hs: list[torch.Tensor] = []
        for stage, pool in zip(self.down, self.pool, strict=True):
            for block in stage:
                h = block(h, temb)
            hs.append(h)
            h = pool(h)
        h = self.mid(h, temb)
        for i, (stage, upsample) in enumerate(zip(self.up, self.upsample, strict=True)):
            h = torch.cat([h, hs[len(hs) - 1 - i]], dim=1)
            for block in stage:
                h = block(h, temb)
            h = upsample(h)
        skip = self.skip_gain(temb)[:, :, None, None] * x
        return (self.out(self.act(self.out_norm(h))) + skip) * m

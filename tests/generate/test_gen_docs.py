"""docs/generator.md and the README's generator section state what the code does."""

import inspect
import json
import re
from pathlib import Path

from nemoml.base.paths import package_subdir
from nemoml.generate import constraints, guidance, schedule
from nemoml.generate.generator import Generator
from nemoml.generate.train import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "generator.md").read_text()
README = (ROOT / "README.md").read_text()


def _one(pattern: str, text: str = DOC) -> str:
    found = set(re.findall(pattern, text))
    assert len(found) == 1, (pattern, found)
    return found.pop()


def test_training_and_sampling_figures_match_the_code():
    assert float(_one(r"EMA (0\.\d+)")) == TrainConfig.ema
    assert float(_one(r"lr (\de-\d)")) == TrainConfig.lr
    assert float(_one(r"gradient clip (\d+)")) == TrainConfig.grad_clip
    assert float(_one(r"ᾱ/\(1-ᾱ\) ≥ (\de-\d)")) == schedule.SNR_START
    assert int(_one(r"\(t = (\d+) of 0\.\.999\)")) == schedule.Schedule().t_start
    assert float(_one(r"relu\((\de-\d) s⁻²")) == constraints.N2_MIN
    default = inspect.signature(Generator.sample).parameters["dual_rounds"].default
    assert int(_one(r"`dual_rounds` runs\s+\(default (\d+)\)")) == default
    assert int(_one(r"redraws the same\s+noise for (\d+) runs", README)) == default


def test_packaged_model_figures_match_its_metadata():
    meta = json.loads((package_subdir("data") / "generator" / "generator.json").read_text())
    params = meta["model"]["parameters"]
    assert float(_one(r"(\d\.\d+) M parameters")) == round(params / 1e6, 2)
    cfg = meta["training"]["config"]
    assert cfg["ema"] == TrainConfig.ema and cfg["lr"] == TrainConfig.lr


def test_the_method_is_named_for_what_it_does():
    """Duals calibrated between whole runs and a best-of-runs search per state: not PD-LMC."""
    for text in (DOC, README, guidance.__doc__):
        flat = " ".join(text.split())
        assert re.search(r"not\W+(primal-dual Langevin|PD-LMC)", flat)
        assert "between whole runs" in flat
    assert "Sampling follows PD-LMC" not in DOC
    assert "keeps its best run" in " ".join(README.split())
    assert "not sampling from a constrained law" in " ".join(DOC.split())

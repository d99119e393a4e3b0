"""Where the compiled parts of nemoml live (installed by CMake inside the package)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]  # the nemoml package


def _installed_pkg() -> Path:
    return Path(sysconfig.get_paths()["platlib"]) / "nemoml"


def package_subdir(name: str) -> Path:
    """Return ``nemoml/<name>`` holding compiled artefacts.

    A source checkout on ``PYTHONPATH`` has no compiled parts, so fall back to the copy that
    ``make install`` placed in the environment's site-packages.
    """
    for base in (_PKG, _installed_pkg()):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(
        f"nemoml's compiled parts ({name}/) are not installed; run `make install` first"
    )


def libdir() -> Path:
    return package_subdir("lib")


def bindir() -> Path:
    return package_subdir("bin")


def includedir() -> Path:
    return package_subdir("include")


def shared_data(*parts: str) -> Path:
    """``../shared/data/<parts>`` beside a source checkout or beside the working directory.

    The project's large data sets live there (never in the package); the returned path may not
    exist, callers fall back to the embedded samples.
    """
    candidates = [_PKG.parents[1] / "../shared/data", Path.cwd() / "../shared/data",
                  Path.cwd() / "shared/data"]
    found = next((c for c in candidates if c.is_dir()), candidates[0])
    return found.joinpath(*parts)

"""The house's layering, checked on the source tree: import-linter's contracts in
``pyproject.toml`` (rooms import only downward; the runtime bridge imports no developer tool),
and no room importing another room's private names."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "nemoml"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private(dotted: str) -> bool:
    return any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))


def private_imports_across_rooms() -> list[str]:
    """``file:line imported`` for every private module or name a room takes from another."""
    found = []
    for path, module in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    node.module.startswith("nemoml"):
                targets = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("nemoml")]
            for target in targets:
                if _private(target) and _room(target) != _room(module):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {target}")
    return found


def test_no_room_imports_another_rooms_private_names():
    assert private_imports_across_rooms() == []


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is not installed: `make test` installs it with .[test]")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    run = subprocess.run([exe, "--no-cache", str(ROOT / "pyproject.toml")], cwd=ROOT / "python",
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "BROKEN" not in run.stdout and "KEPT" in run.stdout

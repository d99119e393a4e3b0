"""A broken build is a failure, never a skip: no test skips because a part of nemoml (or a
dependency the package declares) fails to import, and GPU tests skip only when the machine has
no GPU, asked of the driver, never of our own CUDA library."""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FORBIDDEN = {
    "importorskip": re.compile(r"importorskip\("),
    "skip on our library's GPU probe": re.compile(r"skip(if)?\([^)]*gpu_available"),
    "skip when a module lacks a function":
        re.compile(r"if not hasattr\([^)]*\):\s*\n\s*pytest\.skip"),
}


def test_no_test_skips_on_a_broken_build():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__):
            continue
        text = path.read_text()
        for why, pattern in FORBIDDEN.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(TESTS)}:{line}: {why}")
    assert not found, "\n".join(found)

"""The selftest's screen reads the host's LAYOUT line with and without the land-domain field."""

from nemoml.devtools.host import HostRun
from nemoml.devtools.selftest import report


def test_report_reads_layout_with_land_subdomains_removed():
    runs = [HostRun(1, 0, "", (1, 1, 32, 22, 31, 2), {"a": True}),
            HostRun(3, 0, "", (2, 2, 32, 22, 31, 2, 1), {"a": True})]
    text = report(runs)
    assert "global grid 32x22x31, halo 2" in text
    assert "3 rank(s) 2x2 (1 land subdomain(s) removed)" in text

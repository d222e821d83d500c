"""The shared atomic writer: all or nothing, and no temporary files left behind."""

from __future__ import annotations

import pytest

from buurtgeo._atomic import replacing, write_bytes, write_text


def test_success_replaces_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "sub" / "tabel.csv"
    write_text(target, "a;b\n1;2\n")
    write_bytes(target, b"nieuw")
    assert target.read_bytes() == b"nieuw"
    assert [p.name for p in target.parent.iterdir()] == ["tabel.csv"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_midway_keeps_the_old_file(tmp_path, error):
    target = tmp_path / "indicators.gpkg"
    target.write_bytes(b"oud")
    with pytest.raises(error):
        with replacing(target) as tmp:
            assert tmp.suffix == ".gpkg" and not tmp.exists() and tmp.parent == tmp_path
            tmp.write_bytes(b"half")
            raise error
    assert target.read_bytes() == b"oud"
    assert [p.name for p in tmp_path.iterdir()] == ["indicators.gpkg"]

"""The raster build is reproducible: same inputs, same bytes, equal to the committed files.

Needs the build inputs in ``.geo-cache/`` (see ``geography/data/README.md``) and the
``geo-build`` extra; without them the test is skipped and the committed ``.npz`` files,
which every other test reads, stand as they are.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from stability_sim.geography import build

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".geo-cache"
DATA = REPO / "src" / "stability_sim" / "geography" / "data"


@pytest.fixture(scope="module")
def inputs() -> build.Inputs:
    if not CACHE.is_dir():
        pytest.skip(f"no build cache at {CACHE} (CI uses the committed .npz)")
    pytest.importorskip("shapely", reason="build needs the geo-build extra (shapely)")
    pytest.importorskip("pyogrio", reason="build needs the geo-build extra (pyogrio)")
    try:
        return build.locate_inputs(CACHE, fetch=False)
    except build.MissingInputError as exc:
        pytest.skip(f"build inputs not in {CACHE} (CI uses the committed .npz): {exc}")


def test_build_twice_is_byte_identical_and_equals_committed(inputs: build.Inputs,
                                                            tmp_path: Path) -> None:
    first = build.build(CACHE, tmp_path / "a", fetch=False, verbose=False)
    second = build.build(CACHE, tmp_path / "b", fetch=False, verbose=False)
    assert sorted(first) == ["grid_0p25.npz", "grid_0p5.npz"]
    for name, data in first.items():
        assert data == second[name], f"{name} differs between two builds"
        assert (tmp_path / "a" / name).read_bytes() == data
        committed = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(committed).hexdigest(), (
            f"{name}: a fresh build differs from the committed file")


def test_npz_writer_ignores_the_clock_and_is_loadable(tmp_path: Path) -> None:
    arrays = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "s": np.array(0.25)}
    one = build.write_npz(tmp_path / "one.npz", arrays)
    two = build.write_npz(tmp_path / "two.npz", arrays)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as zf:
        assert [i.filename for i in zf.infolist()] == ["a.npy", "s.npy"]
        assert {i.date_time for i in zf.infolist()} == {build.ZIP_DATE_TIME}
    with np.load(tmp_path / "one.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["a"], arrays["a"])
        assert npz["s"].shape == () and float(npz["s"]) == 0.25

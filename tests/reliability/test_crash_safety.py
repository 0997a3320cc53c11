"""Crash safety: a sweep killed anywhere, resumed, gives the results of one never killed.

The whole process group (driver and pool workers) is killed with SIGKILL at seeded random
points: after a random number of committed chunks, after a random delay, and halfway
through writing a Parquet file (a driver script makes the store's writer tear its file
and kill its own process). Committed chunks damaged on disk are found and redone.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stability_sim.errors import UserError
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments.store import CHUNK_FILES, chunk_file
from tests.reliability.common import (
    assert_sound,
    cli,
    committed,
    finish,
    kill_group,
    start,
    sweep_text,
    wait_for,
)
from tests.sweep_results import assert_same, frames

#: 36 runs: enough to be killed three times and still have runs left.
KILLED = sweep_text(levels=(0.25, 0.5, 0.8), replications=12)
#: 12 runs, written serially one chunk per run: the torn-write and damage tests.
SMALL = sweep_text()


def assert_part_of(reference: Path, out: Path) -> None:
    """What a killed folder loads is part of the reference, value for value."""
    runs, ts, cells = frames(out)
    assert runs["run_id"].is_unique
    ids = set(runs["run_id"])
    for want, have in zip(frames(reference), (runs, ts, cells), strict=True):
        want = want[want["run_id"].isin(ids)].reset_index(drop=True)
        # An integer outcome column is float64 in a table holding a null, int64 in a part
        # without one: compare values, not dtypes.
        pd.testing.assert_frame_equal(want, have, check_index_type=False, check_dtype=False)


def kill_plan(rng: random.Random, kills: int, max_chunks: int,
              max_delay: float) -> list[tuple[str, float]]:
    """Kill points: after k more committed chunks, or a delay after the session starts."""
    kinds = ["chunks" if i % 2 == 0 else "delay" for i in range(kills)]
    rng.shuffle(kinds)
    return [("chunks", rng.randint(1, max_chunks)) if kind == "chunks"
            else ("delay", round(rng.uniform(0.1, max_delay), 2)) for kind in kinds]


def sessions(out: Path) -> int:
    try:
        return len(json.loads((out / "manifest.json").read_text())["sessions"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


def kill_and_resume(sweep: Path, out: Path, reference: Path,
                    plan: list[tuple[str, float]]) -> list[int]:
    """Run the sweep, SIGKILL it at each point of the plan, resume; the saved runs after each."""
    saved = []
    log = out.parent / "stderr.log"
    for i, (kind, amount) in enumerate(plan):
        args = ["sweep", str(sweep), "--out", str(out), "--workers", "2", "--chunk-runs", "1"]
        proc = start(cli(*args, *(["--resume"] if i else [])), log)
        try:
            if kind == "chunks":
                goal = (committed(out) if i else 0) + int(amount)
                reached = wait_for(lambda n=goal: committed(out) >= n, proc)
            else:
                opened = sessions(out) + 1 if i else 1
                reached = wait_for(lambda n=opened: sessions(out) >= n, proc)
                wait_for(lambda: False, proc, timeout=amount)
            alive = proc.poll() is None
        finally:
            kill_group(proc)
        assert reached and alive, f"kill point {i} ({kind} {amount}) was not reached " \
            f"while the sweep ran:\n{log.read_text(errors='replace')}"
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["status"] == "running"
        assert not (out / "runs.parquet").exists()
        saved.append(sum(c["n_runs"] for c in manifest["chunks"]))
        assert_part_of(reference, out)
    code, err = finish(start(cli("sweep", str(sweep), "--out", str(out), "--resume",
                                 "--workers", "2", "--chunk-runs", "3"), log), log)
    assert code == 0 and "Traceback" not in err, err
    return saved


@pytest.mark.parametrize("seed", [20240607])
def test_killed_three_times_and_resumed_equals_one_run(tmp_path: Path, reference_of,
                                                       seed: int) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(KILLED)
    reference = reference_of(KILLED)
    plan = kill_plan(random.Random(seed), kills=3, max_chunks=5, max_delay=1.0)
    saved = kill_and_resume(sweep, tmp_path / "out", reference, plan)
    assert saved == sorted(saved), "a resume lost committed runs"
    assert load_results(tmp_path / "out").manifest["status"] == "complete"
    assert_same(reference, tmp_path / "out")
    assert_sound(tmp_path / "out", months=12)


@pytest.mark.slow
def test_killed_ten_times_and_resumed_equals_one_run(tmp_path: Path, reference_of) -> None:
    text = sweep_text(levels=(0.2, 0.4, 0.6, 0.8), replications=40)  # 160 runs
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(text)
    reference = reference_of(text)
    plan = kill_plan(random.Random(7), kills=10, max_chunks=8, max_delay=2.0)
    saved = kill_and_resume(sweep, tmp_path / "out", reference, plan)
    assert saved == sorted(saved), "a resume lost committed runs"
    assert_same(reference, tmp_path / "out")
    assert_sound(tmp_path / "out", months=12)


#: Runs stability-sim with the store's file writer replaced: on the N-th matching write it
#: writes half the bytes (to the temporary file the real writer would use, or to the final
#: name), syncs them and SIGKILLs its own process, as a power cut mid-write would.
TORN_DRIVER = '''\
import os
import signal
import sys
import tempfile
from pathlib import Path

from stability_sim.experiments import store
from stability_sim.experiments.chunks import entry_line

N, WHERE = int(sys.argv[1]), sys.argv[2]
real_write = store.atomic_write_bytes
calls = 0


def torn_write(path: Path, data: bytes) -> None:
    global calls
    if path.suffix == (".json" if WHERE == "manifest" else ".parquet"):
        calls += 1
        if calls == N:
            if WHERE == "final":
                target = path
            else:
                fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                            dir=path.parent)
                os.close(fd)
                target = Path(name)
            with open(target, "wb") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
            print(f"TORN {target}", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    real_write(path, data)


store.atomic_write_bytes = torn_write
real_append = store.Journal.append
appends = 0


def torn_append(self, entry):
    global appends
    appends += 1
    if WHERE == "journal" and appends == N:
        line = entry_line(entry)
        os.write(self._fd, line[: len(line) // 2])
        os.fsync(self._fd)
        print(f"TORN {self.path}", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    real_append(self, entry)


store.Journal.append = torn_append
from stability_sim.cli.main import app  # noqa: E402

app(args=sys.argv[3:], prog_name="stability-sim")
'''

#: (where the torn bytes go, which write): temporary files of Parquet chunks at a seeded
#: random write, the final name itself, the manifest's first write, and a commit (a
#: journal line) after a few.
TORN = [("tmp", random.Random(1).randint(4, 15)), ("final", random.Random(2).randint(4, 15)),
        ("manifest", 1), ("journal", random.Random(3).randint(3, 8))]


@pytest.mark.parametrize(("where", "nth"), TORN, ids=[f"{w}-{n}" for w, n in TORN])
def test_a_kill_during_a_write_is_found_and_redone(tmp_path: Path, reference_of,
                                                    where: str, nth: int) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SMALL)
    out = tmp_path / "out"
    driver = tmp_path / "torn.py"
    driver.write_text(TORN_DRIVER)
    log = tmp_path / "stderr.log"
    code, err = finish(start([sys.executable, str(driver), str(nth), where, "sweep",
                              str(sweep), "--out", str(out), "--executor", "serial",
                              "--chunk-runs", "1"], log), log)
    assert code == -signal.SIGKILL, err
    torn = Path(err.split("TORN ")[1].split()[0])
    assert torn.is_file() and torn.stat().st_size > 0
    name = torn.relative_to(out).as_posix()
    if where != "manifest":
        with pytest.raises(pa.ArrowInvalid):
            pq.read_table(torn)  # half a Parquet file: no footer
        # Chunk c writes timeseries, cells, runs: the torn file is chunk (nth - 1) // 3's.
        chunk, kind = divmod(nth - 1, 3)
        real = out / chunk_file(["timeseries", "cells", "runs"][kind], chunk)
        if where == "final":
            assert torn == real
        else:  # the real writer's temporary name
            assert torn.parent == real.parent and torn.name.startswith(f".{real.name}.")
        assert committed(out) == chunk
        results = load_results(out)  # the torn chunk is not committed: never read
        assert sorted(results.runs["run_id"]) == list(range(chunk))
        assert set(results.timeseries["run_id"]) == set(range(chunk))
        assert_part_of(reference_of(SMALL), out)
    elif nth == 1:
        assert not (out / "manifest.json").exists()
        with pytest.raises(UserError, match="no manifest"):
            load_results(out)
    else:  # the journal: the torn line commits nothing, the lines before it stand
        assert torn.name == "chunks.jsonl" and not torn.read_bytes().endswith(b"\n")
        assert committed(out) == nth - 1
        assert sorted(load_results(out).runs["run_id"]) == list(range(nth - 1))
        assert_part_of(reference_of(SMALL), out)
    # Resume reports the torn file and redoes its runs (even before a first manifest).
    code, err = finish(start(cli("sweep", str(sweep), "--out", str(out), "--resume",
                                 "--executor", "serial"), log), log)
    assert code == 0 and "Traceback" not in err, err
    assert "note: removed" in err and name in err, err
    if where == "final":  # the name is the redone chunk's again, now whole and committed
        assert name in {c["timeseries"] for c in load_results(out).manifest["chunks"]}
    else:
        assert not torn.exists()
    assert_same(reference_of(SMALL), out)
    assert_sound(out, months=12)


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sweep, complete, in chunks of two runs."""
    folder = tmp_path_factory.mktemp("chunked")
    (folder / "sweep.yaml").write_text(SMALL)
    assert run_sweep(folder / "sweep.yaml", out=folder / "out", executor="serial",
                     chunk_runs=2).ok == 12
    return folder


def flip_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {"flip": flip_middle, "truncate": truncate}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("kind", [*CHUNK_FILES, "final"])
def test_a_damaged_committed_file_is_refused_and_redone(tmp_path: Path, chunked: Path,
                                                        reference_of, kind: str,
                                                        damage: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(chunked / "out", out)
    manifest = json.loads((out / "manifest.json").read_text())
    rng = random.Random(f"{kind}-{damage}")
    chunk = rng.choice(manifest["chunks"])
    name = "runs.parquet" if kind == "final" else chunk[kind]
    DAMAGE[damage](out / name)
    with pytest.raises(UserError) as refused:
        load_results(out)
    line = str(refused.value)
    assert "\n" not in line and name in line and "checksum" in line, line
    outcome = run_sweep(chunked / "sweep.yaml", out=out, executor="serial", resume=True)
    assert outcome.status == "complete"
    if kind == "final":
        assert outcome.ran == 0  # the chunks were sound: only runs.parquet was rewritten
    else:
        assert outcome.ran == chunk["n_runs"]
        assert any(name in note and "damaged" in note for note in outcome.notes)
    assert_same(reference_of(SMALL), out)

"""Fuzzed scenario and sweep files through ``validate``, ``run`` and ``sweep``.

Hypothesis writes files of every shape: near-valid documents with random keys, types,
nesting, out-of-range numbers, NaN/inf, huge values and long text; YAML token soup;
random text and bytes; one mutation of a shipped scenario or sweep file (a key dropped or
renamed, a value of another type or out of bounds); and a list of known-nasty documents
(alias bombs, Python-object tags, deep nesting, invalid dates ...). Each file goes
through ``validate FILE``, ``run FILE --out DIR`` and ``sweep FILE --dry-run`` (a few tiny
valid sweeps run for real), whose only allowed outcomes are exit 0, or exit 2 with exactly
one stderr line ``error: <file>: ...`` (naming the key where the mutation had one). Never
a traceback, another exit code, a hang (each call runs under a SIGALRM limit) or a file
written outside the example's own output folder.

Calls run in-process through ``CliRunner`` for speed; a few go through the real entry
point in a subprocess to show it behaves the same. Examples are derandomized and no
example database is kept, so CI sees the same files every run; ``--runslow`` adds a
larger, randomized run of every generator.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from typer.testing import CliRunner

from stability_sim import params
from stability_sim.cli.main import app
from stability_sim.config import META_KEYS
from stability_sim.experiments import spec
from stability_sim.experiments.designs import KINDS
from stability_sim.timeline import from_ordinal, month_ordinal
from stability_sim.yamlio import MAX_BYTES

REPO = Path(__file__).resolve().parents[2]
SCENARIO_FILES = sorted((REPO / "configs" / "scenarios").glob("*.yaml"))
SWEEP_FILES = sorted((REPO / "configs" / "sweeps").glob("*.yaml"))

#: What makes an accepted ``run`` cheap. Bounds on ``months`` itself are still fuzzed:
#: ``validate`` and ``sweep --dry-run`` see the file's own value.
CHEAP_RUN = ("--set", "months=1", "--set", "grid.resolution=0.5")
#: Per call: a dry run takes well under a second, a one-month run about a tenth.
TIME_LIMIT_S = 60
#: Every Python-object payload below tries to create this file.
CANARY = Path("/tmp/pwned")

RUNNER = CliRunner()

FAST = settings(
    max_examples=60,
    derandomize=True,  # the same examples on every machine and every run
    database=None,  # and no .hypothesis folder written into the repository
    deadline=None,  # each call has its own time limit (SIGALRM) instead
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)
SLOW = settings(FAST, max_examples=1500, derandomize=False, print_blob=True)


# --------------------------------------------------------------------------------------
# Running one file through the CLI, and what must hold afterwards
# --------------------------------------------------------------------------------------
class Hang(BaseException):
    """Raised by SIGALRM; a BaseException, so CliRunner does not swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail the example when the body runs longer than ``seconds``."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Sandbox:
    """One example's folders: ``work`` (the working folder, with copies of the shipped
    scenarios next to ``sweeps/``), ``out`` (the only place writes may go) and ``tmp``
    (Python's temporary folder for the example)."""

    root: Path
    work: Path = field(init=False)
    out: Path = field(init=False)
    tmp: Path = field(init=False)
    inputs: set[Path] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.work, self.out, self.tmp = self.root / "work", self.root / "out", self.root / "tmp"
        for folder in (self.work / "scenarios", self.work / "sweeps", self.out, self.tmp):
            folder.mkdir(parents=True)
        for path in SCENARIO_FILES:
            shutil.copy(path, self.work / "scenarios" / path.name)

    def write(self, content: str | bytes, name: str = "input.yaml") -> Path:
        """The fuzzed file, in ``sweeps/`` so that ``../scenarios/x.yaml`` resolves."""
        path = self.work / "sweeps" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        self.inputs.add(path)
        return path

    def files(self) -> set[Path]:
        """Everything under the sandbox but ``out`` and ``tmp``."""
        return {p for p in self.root.rglob("*")
                if not p.is_relative_to(self.out) and not p.is_relative_to(self.tmp)}


@contextlib.contextmanager
def sandbox(base: Path) -> Iterator[Sandbox]:
    """A fresh sandbox as the working and temporary folder; checks what was written."""
    box = Sandbox(Path(tempfile.mkdtemp(dir=base)))
    before_files = box.files()
    before_tmp = set(os.listdir("/tmp"))
    canary_before = CANARY.exists()
    cwd, tempdir = Path.cwd(), tempfile.tempdir
    os.chdir(box.work)
    tempfile.tempdir = str(box.tmp)
    try:
        yield box
    finally:
        os.chdir(cwd)
        tempfile.tempdir = tempdir
    assert CANARY.exists() == canary_before, "a YAML payload ran code"
    new = box.files() - before_files - box.inputs
    assert not new, f"written outside the output folder: {sorted(map(str, new))[:5]}"
    # /tmp is shared with other processes, so only new entries the input itself could
    # have named count as ours (a name or path in the file, e.g. results of a sweep).
    inputs = "".join(p.read_text(errors="replace") for p in box.inputs)
    ours = {n for n in set(os.listdir("/tmp")) - before_tmp if len(n) > 2 and n in inputs}
    assert not ours, f"written into /tmp: {sorted(ours)}"
    shutil.rmtree(box.root, ignore_errors=True)


def invoke(*args: str) -> Any:
    """Run the CLI in-process under the time limit."""
    with time_limit(TIME_LIMIT_S):
        return RUNNER.invoke(app, list(args))


def check_outcome(result: Any, path: Path, keys: tuple[str, ...] = ()) -> str | None:
    """Exit 0, or exit 2 with one ``error:`` line naming ``path`` (and one of ``keys``).

    Returns:
        The error line, or None when the input was accepted.
    """
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"traceback instead of a one-line error:\n{trace}")
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:])
    if result.exit_code == 0:
        return None
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {lines[:5]}"
    line = lines[0]
    assert line.startswith("error: "), line
    assert str(path) in line, f"the message does not name the file: {line[:300]}"
    if keys:
        assert any(k in line for k in keys), f"the message names none of {keys}: {line[:300]}"
    return line


def check_file(box: Sandbox, path: Path, keys: tuple[str, ...] = (),
               kind: str = "") -> dict[str, str | None]:
    """``validate``, ``run`` and ``sweep --dry-run`` on one file; the error line of each.

    Args:
        box: The example's sandbox.
        path: The file.
        keys: One of these must be in an error about the file read as its own ``kind``
            (``scenario``: by validate and run; ``sweep``: by sweep).
        kind: What the file is meant to be.
    """
    scenario_keys = keys if kind == "scenario" else ()
    out: dict[str, str | None] = {}
    out["validate"] = check_outcome(invoke("validate", str(path)), path, scenario_keys)
    run_out = box.out / "run"
    out["run"] = check_outcome(
        invoke("run", str(path), *CHEAP_RUN, "--out", str(run_out)), path, scenario_keys)
    if out["run"] is None:
        assert (run_out / "summary.json").is_file()
    out["sweep"] = check_outcome(invoke("sweep", str(path), "--dry-run"), path,
                                 keys if kind == "sweep" else ())
    if currently_in_test_context():  # --hypothesis-show-statistics: how deep it got
        for command, line in out.items():
            event(f"{command} {'accepted' if line is None else 'refused'}")
    # A scenario file is never a valid sweep file and the reverse: the file's kind is
    # told by its keys, and validate and run agree on it.
    assert (out["validate"] is None) == (out["run"] is None), out
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Parent of every example's sandbox."""
    return tmp_path_factory.mktemp("fuzz")


def dump(doc: Any) -> str:
    """YAML text of a generated document (NaN and infinities as .nan and .inf)."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000)


# --------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------
PARAMS = list(params.REGISTRY.values())
#: Key words of the two file kinds: random keys are drawn from them half the time, so
#: documents get past the first unknown key often enough to reach the deeper checks.
KEY_WORDS = sorted({part for p in PARAMS for part in p.name.split(".")}
                   | set(META_KEYS) | set(spec.KEYS)
                   | {"kind", "parameters", "samples", "second_order", "scenarios"})
LONG_TEXT = "x" * 100_000
NASTY_SCALARS = [0, -1, 1, 10**30, -(10**30), 2**63, 2**64, 1e308, -1e308, 5e-324,
                 math.nan, math.inf, -math.inf, 0.5, 0.25, 120, 600, 601, 1_000_001,
                 "", " ", "2014-01", "2014-13", "2030-12", "1e5", "0x10", "yes", "~",
                 "../scenarios/baseline.yaml", "/etc/passwd", "a\nb", "\u2028", "\x1b[31m",
                 "../../etc", LONG_TEXT]

keys = st.one_of(st.sampled_from(KEY_WORDS), st.text(max_size=12),
                 st.integers(-3, 3), st.booleans(), st.none())
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.text(max_size=20), st.sampled_from(NASTY_SCALARS))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=12)


def in_bounds(p: params.Parameter) -> st.SearchStrategy[Any]:
    """Values the registry accepts for ``p`` (edges included, as hypothesis likes)."""
    if p.kind is params.Kind.FLOAT:
        return st.floats(p.low, p.high)
    if p.kind is params.Kind.INT:
        return st.integers(p.low, p.high)
    if p.kind is params.Kind.BOOL:
        return st.booleans()
    if p.kind is params.Kind.CHOICE:
        return st.sampled_from(p.choices)
    if p.kind is params.Kind.MONTH:
        return st.integers(month_ordinal(p.low), month_ordinal(p.high)).map(from_ordinal)
    return st.lists(st.integers(month_ordinal("2013-08"), month_ordinal("2030-12")),
                    min_size=1, max_size=4, unique=True).flatmap(
        lambda months: st.lists(st.integers(0, params.MAX_SCHEDULE_TROOPS),
                                min_size=len(months), max_size=len(months)).map(
            lambda troops: [{"date": from_ordinal(m), "troops": t}
                            for m, t in zip(sorted(months), troops, strict=True)]))


def out_of_bounds(p: params.Parameter) -> st.SearchStrategy[Any]:
    """Values just or far outside what the registry accepts for ``p``."""
    if p.kind in (params.Kind.FLOAT, params.Kind.INT):
        return st.sampled_from([p.low - 1, p.high + 1, p.high * 10 + 1, -(10**30), 10**30,
                                1e308, math.nan, math.inf, -math.inf])
    if p.kind is params.Kind.MONTH:
        return st.sampled_from(["2012-12", "2031-01", "2014-00", "2014-13", "14-01", 2014])
    if p.kind is params.Kind.SCHEDULE:
        return st.sampled_from([[], [{"date": "2014-01", "troops": -1}],
                                [{"date": "2015-01", "troops": 1}, {"date": "2014-01",
                                                                    "troops": 1}],
                                [{"date": "2014-01", "troops": 10**30}]])
    return st.sampled_from(["nope", 0.3, 7, None])


@st.composite
def mostly(draw: st.DrawFn, valid: st.SearchStrategy[Any],
           other: st.SearchStrategy[Any]) -> Any:
    """``valid`` about three times in four, so that many documents get past the first
    check to the deeper ones (and to ``run``); ``other`` the rest of the time.

    Drawn from a float: ``st.one_of(valid, valid, valid, other)`` came out valid less than
    half the time, since hypothesis switches one_of branches off per example.
    """
    return draw(valid if draw(st.floats(0, 1)) < 0.75 else other)


def rarely(draw: st.DrawFn) -> bool:
    """True about one time in five."""
    return draw(st.floats(0, 1)) > 0.8


def param_values(p: params.Parameter) -> st.SearchStrategy[Any]:
    """Mostly valid values for ``p``; else out of bounds or anything at all."""
    return mostly(in_bounds(p), st.one_of(out_of_bounds(p), values))


def nest(flat: dict[str, Any]) -> dict[Any, Any]:
    """Dotted names → the nested mapping a YAML file holds."""
    out: dict[Any, Any] = {}
    for name, value in flat.items():
        node = out
        *heads, last = name.split(".")
        for head in heads:
            node = node.setdefault(head, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = value
    return out


names = mostly(st.from_regex(r"[a-z0-9_-]{1,8}", fullmatch=True),
               st.one_of(st.sampled_from(["x" * 64, "x" * 65, "Bad Name", "", "a/b", "../up",
                                          "a\n", "/etc"]), values))
param_names = st.sampled_from([p.name for p in PARAMS])


@st.composite
def flat_settings(draw: st.DrawFn, max_size: int = 4) -> dict[str, Any]:
    """A few dotted parameter names with values for them."""
    chosen = draw(st.lists(param_names, max_size=max_size, unique=True))
    return {n: draw(param_values(params.REGISTRY[n])) for n in chosen}


@st.composite
def scenario_docs(draw: st.DrawFn) -> Any:
    """A scenario document: name, some parameters, maybe junk keys and other types."""
    doc: dict[Any, Any] = {}
    if not rarely(draw):
        doc["name"] = draw(names)
    if draw(st.booleans()):
        doc["description"] = draw(mostly(st.text(max_size=30), values))
    doc.update(nest(draw(flat_settings())))
    if rarely(draw):
        doc.update(draw(st.dictionaries(keys, values, max_size=2)))
    return draw(mostly(st.just(doc), values))


@st.composite
def design_docs(draw: st.DrawFn) -> Any:
    """A sweep's design section of any kind, often valid."""
    kind = draw(mostly(st.sampled_from(KINDS), values))
    doc: dict[Any, Any] = {"kind": kind}
    sweepable = st.sampled_from([p.name for p in PARAMS if p.name != "seed"])
    if kind == "scenarios":
        entries = []
        for i in range(draw(st.integers(0, 3))):
            entry: dict[Any, Any] = {"name": draw(mostly(st.just(f"s{i}"), names))}
            if draw(st.booleans()):
                entry["scenario"] = draw(mostly(
                    st.sampled_from([f"../scenarios/{p.name}" for p in SCENARIO_FILES]),
                    values))
            if draw(st.booleans()):
                entry["set"] = nest(draw(flat_settings(max_size=2)))
            entries.append(entry)
        doc["scenarios"] = draw(mostly(st.just(entries), values))
    elif kind in ("lhs", "sobol"):
        numeric = [p for p in PARAMS if p.kind in (params.Kind.FLOAT, params.Kind.INT)]
        chosen = draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=3,
                               unique_by=lambda p: p.name))
        doc["parameters"] = {p.name: draw(mostly(
            st.lists(in_bounds(p), min_size=2, max_size=2, unique=True).map(sorted),
            st.one_of(st.lists(param_values(p), max_size=3), values))) for p in chosen}
        # Small counts, or ones refused at once: a legal 500,000-sample design takes a
        # while to resolve, which is not what this test is about.
        doc["samples"] = draw(mostly(st.sampled_from([1, 2, 4, 8, 16]), st.sampled_from(
            [0, -1, 3, 10**30, 2**40, True, "8", 8.0, None])))
        if kind == "sobol" and draw(st.booleans()):
            doc["second_order"] = draw(st.one_of(st.booleans(), values))
    else:
        chosen = draw(st.lists(sweepable, min_size=1, max_size=2, unique=True))
        doc["parameters"] = {n: draw(mostly(
            st.lists(param_values(params.REGISTRY[n]), min_size=1, max_size=3), values))
            for n in chosen}
    if rarely(draw):
        doc[draw(keys)] = draw(values)
    return doc


@st.composite
def sweep_docs(draw: st.DrawFn) -> Any:
    """A sweep document, often valid, with keys dropped, junk added, types swapped."""
    doc: dict[Any, Any] = {
        "name": draw(names),
        "scenario": draw(mostly(
            st.sampled_from([f"../scenarios/{p.name}" for p in SCENARIO_FILES]), values)),
        "seed": draw(param_values(params.REGISTRY["seed"])),
        "replications": draw(mostly(st.sampled_from([1, 2]), st.sampled_from(
            [0, -1, 100_001, 10**30, 1.5, True, "2", None]))),
        "design": draw(design_docs()),
    }
    if draw(st.booleans()):
        doc["months"] = draw(param_values(params.REGISTRY["months"]))
    if draw(st.booleans()):
        doc["set"] = draw(mostly(st.just(nest(draw(flat_settings(max_size=2)))), values))
    if rarely(draw):
        del doc[draw(st.sampled_from(list(doc)))]
    if rarely(draw):
        doc[draw(keys)] = draw(values)
    return doc


YAML_TOKENS = [":", ": ", "-", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "? ", "\n", "  ",
               "\t", "name", "fuzz", "cooperation", "level", "|", ">", "'", '"', "#",
               "%YAML 1.1\n", "%TAG ! tag:yaml.org,2002:python/\n", "---\n", "...\n",
               "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!binary ", "!!set ",
               "!!omap ", "!!python/object/apply:os.system ", "!!python/name:os.system ",
               "!p ", "2014-13-01", "2014-01", "0x", "0b", "1_0", "1e", ".nan", ".inf",
               "<<", "~", "9" * 120, "1:2:3", "\\u2028", "\ufeff", "\x85"]


def sub_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a parsed document (mapping keys and list indices)."""
    items = (doc.items() if isinstance(doc, dict)
             else enumerate(doc) if isinstance(doc, list) else ())
    for key, value in items:
        yield (*prefix, key)
        yield from sub_paths(value, (*prefix, key))


def key_text(path: tuple[Any, ...]) -> str:
    """The dotted key a message names for ``path``: mapping keys up to the first index."""
    parts = []
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            break
        parts.append(str(part))
    return ".".join(parts)


def param_at(path: tuple[Any, ...]) -> params.Parameter | None:
    """The parameter a key path of a scenario or sweep file sets, if any."""
    keys_ = [str(k) for k in path if not isinstance(k, int)]
    for start in range(len(keys_)):
        name = ".".join(keys_[start:])
        if name in params.REGISTRY:
            return params.REGISTRY[name]
    return None


@dataclass(frozen=True)
class Mutation:
    """One change to a shipped file, and the keys an error about it may name."""

    source: str
    doc: Any
    op: str
    path: tuple[Any, ...]
    keys: tuple[str, ...]


@st.composite
def mutations(draw: st.DrawFn, files: list[Path]) -> Mutation:
    """Drop or rename a key of a shipped file, or change a value's type or bounds."""
    source = draw(st.sampled_from(files))
    doc = yaml.safe_load(source.read_text())
    path = draw(st.sampled_from(list(sub_paths(doc))))
    *parents, last = path
    holder = doc
    for part in parents:
        holder = holder[part]
    op = draw(st.sampled_from(["drop", "rename", "retype", "bounds"]))
    keys_ = (key_text(path),)
    if op == "drop":
        del holder[last]
        keys_ = (key_text(path), key_text(tuple(parents)) or key_text(path))
    elif op == "rename" and isinstance(holder, dict):
        new = draw(st.one_of(st.sampled_from(KEY_WORDS),
                             st.from_regex(r"[a-z_]{1,10}", fullmatch=True)))
        holder[new] = holder.pop(last)
        keys_ = (key_text(path), key_text((*parents, new)))
    else:
        p = param_at(path)
        if op == "bounds" and p is not None:
            holder[last] = draw(out_of_bounds(p))
        else:
            op = "retype"
            holder[last] = draw(values.filter(lambda v: type(v) is not type(holder[last])))
    # A value that only fails with the rest is reported at its design point.
    return Mutation(source.name, doc, op, path, (*keys_, "design point"))


# --------------------------------------------------------------------------------------
# The properties
# --------------------------------------------------------------------------------------
@FAST
@given(doc=scenario_docs())
def test_generated_scenario_files(base: Path, doc: Any) -> None:
    with sandbox(base) as box:
        check_file(box, box.write(dump(doc)))


@FAST
@given(doc=sweep_docs())
@example(doc={"name": "long", "scenario": "a" * 300, "seed": 1, "replications": 1,
              "design": {"kind": "grid", "parameters": {"cooperation.level": [0.5]}}})
def test_generated_sweep_files(base: Path, doc: Any) -> None:
    with sandbox(base) as box:
        check_file(box, box.write(dump(doc)))


@FAST
@given(mutation=mutations(SCENARIO_FILES))
def test_mutated_shipped_scenarios(base: Path, mutation: Mutation) -> None:
    with sandbox(base) as box:
        path = box.write(dump(mutation.doc), mutation.source)
        check_file(box, path, mutation.keys, "scenario")


@FAST
@given(mutation=mutations(SWEEP_FILES))
def test_mutated_shipped_sweeps(base: Path, mutation: Mutation) -> None:
    with sandbox(base) as box:
        path = box.write(dump(mutation.doc), mutation.source)
        errors = check_file(box, path, mutation.keys, "sweep")
        assert errors["validate"] is not None  # a sweep file is not a scenario


@FAST
@given(text=st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join))
@example(text="name: a\ndrawdown: {end: 2014-13-01}\n")
@example(text="name: a\nmonths: !!int zz\nseed: !!bool maybe\n")
@example(text="name: a\nstart: !!timestamp zz\n")
@example(text='name: a\n"coop\\nlevel": 1\n')
def test_yaml_token_soup(base: Path, text: str) -> None:
    with sandbox(base) as box:
        check_file(box, box.write(text))


@settings(FAST, max_examples=40)
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_random_bytes_and_text(base: Path, content: bytes | str) -> None:
    with sandbox(base) as box:
        check_file(box, box.write(content))


def _laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "name: lol\n" + "\n".join(lines) + "\n"


NASTY: dict[str, str | bytes] = {
    "empty": "",
    "whitespace": " \n\t\n",
    "comment only": "# nothing here\n",
    "document marker only": "---\n",
    "two documents": "name: a\n---\nname: b\n",
    "scalar": "just text\n",
    "list": "- name: a\n",
    "null top": "~\n",
    "billion laughs": _laughs(),
    "alias to a mapping": "base: &b {months: 3}\nname: a\n<<: *b\n",
    "python apply": 'name: !!python/object/apply:os.system ["touch /tmp/pwned"]\n',
    "python apply in sweep": ('name: x\nscenario: ../scenarios/baseline.yaml\nseed: 1\n'
                              'replications: 1\ndesign: !!python/object/apply:os.system '
                              '["touch /tmp/pwned"]\n'),
    "python name": "name: !!python/name:os.system\n",
    "python module": "name: !!python/module:os\n",
    "python object new": "name: !!python/object/new:os.system [touch /tmp/pwned]\n",
    "python tag by URI": ("name: !<tag:yaml.org,2002:python/object/apply:os.system> "
                          "[touch /tmp/pwned]\n"),
    "python tag by %TAG": ("%TAG !p! tag:yaml.org,2002:python/\n---\n"
                           "name: !p!object/apply:os.system [touch /tmp/pwned]\n"),
    "deep lists": "name: a\nmonths: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep mappings": "name: a\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)),
    "deep flow mappings": "name: a\nx: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n",
    "integer of 5,000 digits": "name: a\nmonths: " + "9" * 5000 + "\n",
    "hex integer of 6,000 digits": "name: a\nseed: 0x" + "f" * 5000 + "\n",
    "integer beyond float": "name: a\ncooperation: {level: 1" + "0" * 400 + "}\n",
    "schedule troops beyond float": ("name: a\ndrawdown:\n  schedule:\n    - {date: '2014-01',"
                                     " troops: 1" + "0" * 400 + "}\n"),
    "invalid date": "name: a\ndrawdown: {end: 2014-13-01}\n",
    "invalid time zone": "name: a\nstart: 2014-01-01 10:00:00 +99:99\n",
    "bad explicit int": "name: a\nmonths: !!int '-'\n",
    "bad explicit float": "name: a\ncooperation: {level: !!float .}\n",
    "bad explicit bool": "name: a\ngrid: {resolution: !!bool maybe}\n",
    "bad base64": "name: a\ndescription: !!binary '!!!'\n",
    "unhashable key": "name: a\n? [1, 2]\n: 3\n",
    "newline in key": 'name: a\n"cooperation\\nlevel": 1\n',
    "line separator in key": 'name: a\n"x\\u2028y": 1\n',
    "huge float": "name: a\ncooperation: {level: 1e400}\n",
    "nan and inf": "name: a\ncooperation: {level: .nan}\nmonths: .inf\n",
    "long name": "name: " + "a" * 500_000 + "\n",
    "too large": "name: a\ndescription: " + "x" * (MAX_BYTES + 1) + "\n",
    "binary": bytes(range(256)) * 4,
    "NUL byte": b"name: a\x00\n",
    "latin-1": "name: caf\xe9\n".encode("latin-1"),
    "BOM then valid": "\ufeffname: bom\n",
    "tabs": "name: a\ncooperation:\n\tlevel: 0.5\n",
    "long scenario path in sweep": ("name: x\nscenario: " + "b/" * 3000 + "\nseed: 1\n"
                                    "replications: 1\ndesign: {kind: grid, parameters: "
                                    "{cooperation.level: [0.5]}}\n"),
    "sweep of a million sobol rows": ("name: x\nscenario: ../scenarios/baseline.yaml\n"
                                      "seed: 1\nreplications: 1\ndesign: {kind: sobol, "
                                      "samples: 1048576, parameters: "
                                      "{cooperation.level: [0, 1]}}\n"),
}


@pytest.mark.parametrize("content", list(NASTY.values()), ids=list(NASTY))
def test_nasty_documents(base: Path, content: str | bytes) -> None:
    with sandbox(base) as box:
        errors = check_file(box, box.write(content))
    if isinstance(content, str) and ("python" in content or "&" in content):
        assert all(errors.values()), errors  # refused by every command


@settings(FAST, max_examples=4)
@given(level=st.lists(in_bounds(params.REGISTRY["cooperation.level"]), min_size=1,
                      max_size=2, unique=True),
       seed=in_bounds(params.REGISTRY["seed"]))
def test_tiny_real_sweeps(base: Path, level: list[float], seed: int) -> None:
    doc = {"name": "tiny", "scenario": "../scenarios/baseline.yaml", "months": 1,
           "seed": seed, "replications": 1, "set": {"grid": {"resolution": 0.5}},
           "design": {"kind": "grid", "parameters": {"cooperation.level": level}}}
    with sandbox(base) as box:
        path = box.write(dump(doc))
        result = invoke("sweep", str(path), "--executor", "serial", "--out",
                        str(box.out / "sweep"))
        assert check_outcome(result, path) is None, result.output
        assert (box.out / "sweep" / "runs.parquet").is_file()
        assert (box.out / "sweep" / "manifest.json").is_file()


# --------------------------------------------------------------------------------------
# Regressions of what the fuzzing found, with the messages users now see
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "fragment"), [
    ("name: a\ndrawdown: {end: 2014-13-01}\n", "line 2, column 17: cannot read "
     "'2014-13-01' as a date (month must be in 1..12); quote it if it is text"),
    ("name: a\nmonths: !!int zz\n", "cannot read 'zz' as an integer"),
    ("name: a\nmonths: " + "9" * 5000 + "\n", "integer of more than 100 digits"),
    ("name: a\nseed: 0x" + "f" * 5000 + "\n", "integer of more than 100 digits"),
])
def test_unreadable_scalars_are_one_line_errors(tmp_path: Path, text: str,
                                                fragment: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    line = check_outcome(invoke("validate", str(path)), path)
    assert line is not None and fragment in line


def test_integers_beyond_float_are_out_of_bounds(tmp_path: Path) -> None:
    big = "1" + "0" * 400
    result = invoke("run", str(SCENARIO_FILES[0]), "--set", f"cooperation.level={big}")
    line = check_outcome(result, Path("--set"), ("cooperation.level",))
    assert line is not None and "is out of bounds [0.0, 1.0]" in line
    path = tmp_path / "s.yaml"
    path.write_text("name: a\ndrawdown:\n  schedule:\n    - {date: '2014-01', troops: "
                    f"{10**60}}}\n")
    line = check_outcome(invoke("validate", str(path)), path, ("drawdown.schedule",))
    assert line is not None and "out of bounds [0, 200,000]" in line


def test_a_huge_bad_value_is_echoed_in_part(tmp_path: Path) -> None:
    """A wrong value of 700 kB gives a short line that still says what is wrong."""
    path = tmp_path / "s.yaml"
    path.write_text("name: big\ncooperation:\n  level: [" + ", ".join(["12345"] * 100_000) + "]\n")
    line = check_outcome(invoke("validate", str(path)), path, ("cooperation.level",))
    assert line is not None and len(line) < 1000, len(line or "")
    assert "expected a number" in line and "…" in line and line.endswith("]")


def test_too_long_file_names_are_user_errors(tmp_path: Path) -> None:
    long = tmp_path / ("x" * 300 + ".yaml")
    line = check_outcome(invoke("validate", str(long)), long)
    assert line is not None and "cannot read file" in line
    sweep = tmp_path / "s.yaml"
    sweep.write_text("name: x\nscenario: " + "a" * 300 + "\nseed: 1\nreplications: 1\n"
                     "design: {kind: grid, parameters: {cooperation.level: [0.5]}}\n")
    line = check_outcome(invoke("sweep", str(sweep), "--dry-run"), sweep, ("scenario",))
    assert line is not None and "no scenario file" in line


def test_line_breaks_in_keys_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text('name: a\n"coop\\nlevel": 1\n')
    line = check_outcome(invoke("validate", str(path)), path)
    assert line is not None and "coop\\nlevel: unknown key" in line


# --------------------------------------------------------------------------------------
# The real entry point behaves the same
# --------------------------------------------------------------------------------------
SUBPROCESS_CASES = [
    ("validate", NASTY["python apply"], 2, "unsupported YAML tag"),
    ("sweep", NASTY["billion laughs"], 2, "anchors and aliases"),
    ("run", NASTY["binary"], 2, "not a UTF-8 text file"),
    ("validate", NASTY["invalid date"], 2, "cannot read '2014-13-01' as a date"),
    ("run", "name: ok\ncooperation: {level: 0.5}\n", 0, ""),
]


@pytest.mark.parametrize(("command", "content", "code", "fragment"), SUBPROCESS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SUBPROCESS_CASES)])
def test_real_entry_point(base: Path, command: str, content: str | bytes, code: int,
                          fragment: str) -> None:
    with sandbox(base) as box:
        path = box.write(content)
        extra = [*CHEAP_RUN, "--out", str(box.out / "run")] if command == "run" else []
        extra += ["--dry-run"] if command == "sweep" else []
        env = {**os.environ, "TMPDIR": str(box.tmp), "NO_COLOR": "1"}
        proc = subprocess.run([sys.executable, "-m", "stability_sim.cli", command,
                               str(path), *extra], cwd=box.work, env=env,
                              capture_output=True, text=True, timeout=TIME_LIMIT_S)
    assert proc.returncode == code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    if code == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), lines[:5]
        assert fragment in lines[0]


# --------------------------------------------------------------------------------------
# Larger and randomized: every generator at once, with --runslow
# --------------------------------------------------------------------------------------
@pytest.mark.slow
@SLOW
@given(content=st.one_of(
    scenario_docs().map(dump), sweep_docs().map(dump),
    mutations(SCENARIO_FILES).map(lambda m: dump(m.doc)),
    mutations(SWEEP_FILES).map(lambda m: dump(m.doc)),
    st.lists(st.sampled_from(YAML_TOKENS), max_size=80).map("".join),
    st.binary(max_size=2000), st.text(max_size=2000)))
def test_everything_at_scale(base: Path, content: str | bytes) -> None:
    with sandbox(base) as box:
        check_file(box, box.write(content))

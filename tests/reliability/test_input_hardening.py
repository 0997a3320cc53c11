"""Hostile or careless input: keys given twice, and text that would drive a terminal or HTML.

Issue 14, items 3 and 5. A key given twice (in one mapping, as a dotted key beside the
nested one, in ``--set``) must be refused naming both places, never resolved silently by
"the last one wins". Text from files (keys, values, names, paths, descriptions, error
texts) must reach a terminal with its control and bidi characters shown as escapes, and
``report.md`` with its Markdown and HTML specials escaped.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from tests.reliability.common import ROOT, cli

BASELINE = SCENARIO_DIR / "baseline.yaml"

#: Sets the terminal title, rings the bell and clears the screen when printed raw.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J"
#: Right-to-left override: "abc\u202edef" is shown as "abcfed".
RLO = "\u202e"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line(result, line: str) -> None:
    """Exit 2 and exactly ``error: <line>`` on stderr: no traceback, nothing else."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"error: {line}", result.stderr


def sweep_text(extra: str = "", *, replications: str = "replications: 2\n") -> str:
    return (f"name: twice\nscenario: {BASELINE}\nseed: 1\n{replications}"
            "design: {kind: grid, parameters: {cooperation.level: [0.1, 0.9]}}\n" + extra)


# --- Item 3: a key given twice is an error naming both lines -------------------------------


def test_a_block_given_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ncooperation: {level: 0.2}\nmonths: 12\n"
                 "cooperation:\n  level: 0.9\n")
    assert_one_line(invoke("validate", str(path)),
                    f"{path}: cooperation: given twice (lines 2 and 4)")


def test_a_dotted_key_beside_the_nested_one_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml",
                 "name: x\ncooperation.level: 0.2\ncooperation:\n  level: 0.9\n")
    assert_one_line(invoke("validate", str(path)),
                    f"{path}: cooperation.level: given twice (lines 2 and 4)")


def test_a_dotted_collision_is_found_at_any_depth(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\nstates:\n  tjk.legitimacy: 0.5\n  tjk:\n"
                 "    legitimacy: 0.6\n")
    assert_one_line(invoke("validate", str(path)),
                    f"{path}: states.tjk.legitimacy: given twice (lines 3 and 5)")


def test_a_duplicate_inside_a_nested_mapping_names_its_path(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ngrid:\n  resolution: 0.5\n"
                 "  resolution: 0.25\n")
    assert_one_line(invoke("validate", str(path)),
                    f"{path}: grid.resolution: given twice (lines 3 and 4)")


def test_mixing_dotted_and_nested_keys_without_a_collision_is_still_fine(
        tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ncooperation.level: 0.2\n"
                 "grid:\n  resolution: 0.5\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "(x: 2 keys set)" in " ".join(result.stdout.split())  # the console wraps


def test_a_sweep_with_replications_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml",
                 sweep_text(replications="replications: 2\nreplications: 3\n"))
    assert_one_line(invoke("sweep", str(path), "--dry-run"),
                    f"{path}: replications: given twice (lines 4 and 5)")


def test_a_sweeps_set_with_a_dotted_collision_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", sweep_text(
        "set:\n  drawdown.residual_troops: 5000\n  drawdown:\n    residual_troops: 9000\n"))
    assert_one_line(invoke("sweep", str(path), "--dry-run"),
                    f"{path}: set.drawdown.residual_troops: given twice (lines 7 and 9)")


def test_a_sweeps_months_and_set_months_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", sweep_text("months: 12\nset: {months: 24}\n"))
    assert_one_line(invoke("sweep", str(path), "--dry-run"),
                    f"{path}: months (and set.months): given twice (lines 6 and 7)")


def test_a_duplicate_inside_a_list_entry_names_its_index(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", f"name: twice\nscenario: {BASELINE}\nseed: 1\n"
                 "replications: 1\ndesign:\n  kind: scenarios\n  scenarios:\n    - name: a\n"
                 "    - name: b\n      name: c\n")
    assert_one_line(invoke("sweep", str(path), "--dry-run"),
                    f"{path}: design.scenarios[1].name: given twice (lines 9 and 10)")


def test_set_given_twice_on_the_command_line_is_refused() -> None:
    result = invoke("run", str(BASELINE), "--dry-run", "--set", "cooperation.level=0.1",
                    "--set", " cooperation.level=0.7")
    assert_one_line(result, "--set: cooperation.level: given twice "
                    "(cooperation.level=0.1 and cooperation.level=0.7)")


def test_a_set_value_naming_a_key_twice_is_refused() -> None:
    result = invoke("run", str(BASELINE), "--dry-run", "--set",
                    "drawdown.schedule=[{date: 2014-01, troops: 5, troops: 9}]")
    assert_one_line(result, "--set drawdown.schedule: [0].troops: given twice (both on line 1)")


def test_yaml_merge_keys_are_refused(tmp_path: Path) -> None:
    # A merge key hides a duplicate: "<<" brings in level, the explicit one overrides it.
    path = write(tmp_path / "x.yaml",
                 "name: x\ncooperation:\n  <<: {level: 0.3}\n  level: 0.9\n")
    assert_one_line(invoke("validate", str(path)),
                    f"{path}: line 3, column 3: YAML merge keys (<<) are not allowed; "
                    "write the keys out")


def test_keys_equal_as_values_count_as_duplicates() -> None:
    from stability_sim.errors import UserError
    from stability_sim.yamlio import loads

    with pytest.raises(UserError, match=r"given twice \(lines 1 and 2\)"):
        loads("1: a\n1.0: b\n", source="s")


def test_the_real_cli_refuses_a_duplicate_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml",
                 "name: x\ncooperation: {level: 0.2}\ncooperation: {level: 0.9}\n")
    proc = subprocess.run(cli("validate", str(path)), capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"error: {path}: cooperation: given twice (lines 2 and 3)\n"
    assert proc.stdout == ""


# --- Item 5: untrusted text is shown escaped ------------------------------------------------


def run_real_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess, output as bytes (so an ESC cannot hide in decoding)."""
    return subprocess.run(cli(*args), capture_output=True, cwd=ROOT, timeout=120)


def test_an_escape_sequence_in_a_key_reaches_no_terminal(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", f'name: x\n"{HOSTILE}oops": 1\n'.replace(
        "\x1b", "\\e").replace("\x07", "\\a"))
    proc = run_real_cli("validate", str(path))
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert b"\x1b" not in out and b"\x07" not in out
    assert proc.stderr.decode() == (f"error: {path}: \\x1b]0;pwned\\x07\\x1b[2Joops: "
                                    "unknown key\n")


def test_an_escape_sequence_in_a_value_and_in_set_reaches_no_terminal(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", 'name: x\ndrawdown: {preset: "\\e[2J\\e]0;t\\a"}\n')
    for args in (("validate", str(path)),
                 ("run", str(BASELINE), "--dry-run", "--set", f"drawdown.preset={HOSTILE}"),
                 ("run", str(BASELINE), "--dry-run", "--set", f"{HOSTILE}=1")):
        proc = run_real_cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert b"\x1b" not in proc.stdout + proc.stderr, args
        assert proc.stderr.count(b"\n") == 1, proc.stderr


def test_an_escape_sequence_in_a_file_name_reaches_no_terminal(tmp_path: Path) -> None:
    path = tmp_path / f"a{HOSTILE}b.yaml"
    path.write_bytes(BASELINE.read_bytes())
    proc = run_real_cli("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout + proc.stderr
    assert b"a\\x1b]0;pwned\\x07\\x1b[2Jb.yaml" in proc.stdout.replace(b"\n", b"")  # wrapped


def test_a_bidi_override_in_a_key_is_made_visible(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", 'name: x\n"abc\\u202edef": 1\n')
    proc = run_real_cli("validate", str(path))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert RLO not in err
    assert err == f"error: {path}: abc\\u202edef: unknown key\n"


def test_printable_escapes_every_hidden_character() -> None:
    from stability_sim.untrusted import printable

    assert printable("plain text, ünïcödé, 中文, 🙂") == "plain text, ünïcödé, 中文, 🙂"
    assert printable("a\x1bb\x07\x7f\x9b\n\t") == "a\\x1bb\\x07\\x7f\\x9b\\n\\t"
    hidden = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u2028\u2029"
    shown = printable(hidden)
    assert shown.isascii() and shown.count("\\u") == len(hidden)
    assert printable("\ud800") == "\\ud800"  # a lone surrogate cannot even be encoded


def test_markdown_shows_specials_literally() -> None:
    from stability_sim.untrusted import markdown

    assert markdown("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown("a & b") == "a &amp; b"
    assert markdown("*x* _y_ `z` [l](u) a|b ~s~ \\") == (
        "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) a\\|b \\~s\\~ \\\\")
    assert markdown("# title") == "\\# title"
    assert markdown("1. item") == "1\\. item"
    assert markdown("- item") == "\\- item"
    assert markdown("row one\nrow two\r\n| x") == "row one row two \\| x"
    assert markdown("drawdown.residual_troops") == "drawdown.residual_troops"
    assert markdown("esc\x1b") == "esc\\\\x1b"


# A scenarios design whose first label is Markdown (bold) and whose description is HTML,
# with one run failing with an HTML error text: what a hostile sweep file can put in.
HOSTILE_SWEEP = f"""\
name: hostile
description: "<script>alert(1)</script> [click](javascript:alert(2)) **bold**"
scenario: {BASELINE}
months: 3
seed: 3
replications: 2
set: {{grid.resolution: 0.5}}
design:
  kind: scenarios
  scenarios:
    - name: __init__
    - name: other
      set: {{cooperation.level: 0.9}}
"""
ERROR_TEXT = "<img src=x onerror=alert(3)> `code` | cell"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from stability_sim.experiments import run_sweep
    from stability_sim.model import StabilityModel

    folder = tmp_path_factory.mktemp("hostile")
    (folder / "sweep.yaml").write_text(HOSTILE_SWEEP)
    original = StabilityModel.step

    def step(self: StabilityModel) -> None:
        if self.spawn_key == (3,) and self.steps == 1:
            raise FloatingPointError(ERROR_TEXT)
        original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StabilityModel, "step", step)
        outcome = run_sweep(folder / "sweep.yaml", out=folder / "out", executor="serial")
    assert (outcome.ok, outcome.failed) == (3, 1)
    result = invoke("report", str(folder / "out"), "--out", str(folder / "report"))
    assert result.exit_code == 0, result.output
    return folder / "report"


def test_report_md_escapes_description_names_and_errors(hostile_report: Path) -> None:
    md = (hostile_report / "report.md").read_text()
    for raw in ("<script>", "<img", "**bold**", "__init__", "`code`"):
        assert raw not in md, raw
    assert not re.search(r"(?<!\\)\[click", md)  # the link text is escaped: no link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[click\\](javascript:alert(2)) \\*\\*bold\\*\\*" in md
    assert "\\_\\_init\\_\\_" in md
    assert "&lt;img src=x onerror=alert(3)&gt; \\`code\\` \\| cell" in md
    # Every table row still has as many cells as its header: no raw "|" or newline.
    for block in md.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths = {len(r.replace("\\|", "").split("|")) for r in rows}
            assert len(widths) == 1, rows


def test_report_html_stays_escaped(hostile_report: Path) -> None:
    page = (hostile_report / "report.html").read_text()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_hostile_serve_host_is_refused_before_the_server_echoes_it() -> None:
    # Solara prints the host it is given raw; it never gets this one.
    result = invoke("serve", "--host", HOSTILE)
    assert_one_line(result, "--host: \\x1b]0;pwned\\x07\\x1b[2J: expected a host name or IP "
                    "address, e.g. 127.0.0.1")


def test_a_model_keyword_given_with_dot_and_underscores_is_refused() -> None:
    # mesa.batch_run passes cooperation__level; a dict may also hold the dotted name.
    from stability_sim.errors import UserError
    from stability_sim.model import StabilityModel

    with pytest.raises(UserError, match=r"cooperation\.level: given twice"):
        StabilityModel(**{"cooperation.level": 0.1, "cooperation__level": 0.9})


def test_report_md_rendered_as_html_shows_the_text_literally(hostile_report: Path) -> None:
    # markdown-it-py (Rich's own Markdown parser) renders as CommonMark/GFM renderers do.
    from markdown_it import MarkdownIt

    md = (hostile_report / "report.md").read_text()
    page = MarkdownIt("commonmark").enable("table").render(md)
    for tag in ("<script", "<img src=x", "<a ", "<strong", "<em>init", "<code>"):
        assert tag not in page, tag
    assert "[click](javascript:alert(2)) **bold**" in page  # shown as typed
    assert "<td>__init__</td>" in page

"""``stability-sim sweep``: a Monte Carlo sweep from a sweep file into a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from stability_sim.cli.common import SetOption, cell, console, err_console, say, user_errors
from stability_sim.experiments.executors import EXECUTORS, default_workers
from stability_sim.experiments.spec import Sweep, load_sweep
from stability_sim.experiments.stops import StopTrap, exit_code
from stability_sim.experiments.sweep import EX_TEMPFAIL, SweepInterrupted, run_sweep
from stability_sim.paths import safe_output_dir

#: Exit code base when runs failed: 100 + the number failed, capped below the shell's
#: reserved codes (126 and up, 128 + signal).
FAILED_BASE = 100
FAILED_CAP = 25


class RateColumn(ProgressColumn):
    """Runs per minute over the whole session."""

    def render(self, task: Task) -> Text:
        """The rate as text (blank until there is one)."""
        elapsed = task.elapsed or 0.0
        done = task.completed - task.fields.get("resumed", 0)
        if elapsed <= 0 or done <= 0:
            return Text("")
        return Text(f"{done / elapsed * 60:,.0f} runs/min")


def print_plan(sweep: Sweep, out: Path) -> None:
    """The sweep's design and size as a table."""
    design = sweep.design
    table = Table(title=cell(f"sweep {sweep.name} ({sweep.source})"))
    table.add_column("item", style="bold")
    table.add_column("value")
    table.add_row("design", design.kind)
    if design.kind == "grid":
        for name, count in design.info["levels"].items():
            values = list(dict.fromkeys(p.values[name] for p in design.points))  # file order
            table.add_row(f"  {name}", cell(f"{count} levels: {', '.join(map(str, values))}"))
    elif design.kind == "scenarios":
        table.add_row("  scenarios", cell(", ".join(design.info["labels"])))
    elif design.kind == "points":
        table.add_row("  parameters", cell(", ".join(design.parameters)))
    elif design.kind == "posterior":
        info = design.info
        table.add_row("  calibration", cell(f"{info['calibration_name'] or '?'} "
                                            f"({info['calibration']})"))
        table.add_row("  posterior", cell(f"{info['posterior_rows']:,} weighted rows, "
                                          f"sha256 {info['posterior_sha256'][:12]}…"))
        table.add_row("  parameters", cell(", ".join(design.parameters)))
        table.add_row("  samples", f"{info['samples']:,} (systematic resampling)")
    else:
        for name, (low, high) in design.ranges.items():
            table.add_row(f"  {name}", f"[{low:g}, {high:g}]")
        table.add_row("  samples", str(design.info["samples"]))
    base = sweep.bases[0]
    table.add_row("design points", f"{len(design.points):,}")
    table.add_row("replications", f"{sweep.replications:,}")
    table.add_row("runs", f"{sweep.total_runs:,}")
    table.add_row("months", str(base["months"]))
    table.add_row("resolution", f"{base['grid.resolution']}°")
    table.add_row("master seed", str(sweep.seed))
    table.add_row("results folder", cell(out))
    console.print(table)


@user_errors
def sweep_command(
    sweep_file: Annotated[Path, typer.Argument(
        help="Sweep file (YAML), e.g. configs/sweeps/demo.yaml, or the name of a shipped "
        "sweep, e.g. demo (an existing file of that name wins).", show_default=False)],
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", help="Worker processes (default: one per core).")] = None,
    executor: Annotated[str, typer.Option(
        "--executor", help=f"Where runs execute: {', '.join(EXECUTORS)}.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786 "
        "(with --executor dask; without it a LocalCluster is started).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Results folder (default: results/<name>).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted sweep in the results folder.")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the sweep results already in the folder.")] = False,
    allow_version_change: Annotated[bool, typer.Option(
        "--allow-version-change", help="With --resume: continue although the code, the "
        "libraries or the resolved parameters changed since the last session (the "
        "manifest records it). Without it such a resume is refused.")] = False,
    keep_failed: Annotated[bool, typer.Option(
        "--keep-failed", help="With --resume: keep the runs that failed as failed "
        "(by default they are run again).")] = False,
    sets: SetOption = None,
    chunk_runs: Annotated[int, typer.Option(
        "--chunk-runs", min=1, max=100_000,
        help="Runs per chunk written to disk (at most this many are redone after a crash)."
    )] = 25,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Validate the sweep and show its design; run nothing.")] = False,
) -> None:
    """Run a Monte Carlo sweep (grid, LHS, Sobol, scenarios, points or posterior draws).

    Writes DIR/runs.parquet (one row per run: ids, seed, swept parameters, status, error,
    elapsed_s, the run summary), DIR/timeseries/*.parquet (monthly outcomes by run_id) and
    DIR/manifest.json (sweep, design, versions, git commit, times, counts). Run i always
    gets child i of SeedSequence(seed), so results do not depend on the executor, the
    number of workers or on resuming.

    Exit code: 0 when every run succeeded; 2 for bad input (nothing run); 3 when the
    results folder cannot be written (disk full, read-only: what was committed stays;
    continue with --resume once fixed); 100 + the number of failed runs (125: 25 or
    more); 128 + the signal when stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)
    and 75 when the Dask scheduler was lost: the finished runs are saved; continue with
    --resume.

    Example: stability-sim sweep configs/sweeps/demo.yaml --workers 2
    """
    sweep = load_sweep(sweep_file, sets or [])
    folder = safe_output_dir(out if out is not None else Path("results") / sweep.name)
    print_plan(sweep, folder)
    if dry_run:
        console.print("dry run: sweep valid; nothing run.")
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[red]{task.fields[failed]} failed"), RateColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    # The bar starts with the first report, after the results folder has been accepted,
    # so a refusal is not drawn over an empty bar.
    bar = Progress(*columns, console=err_console)
    task = bar.add_task(f"sweep {sweep.name}", total=sweep.total_runs, failed=0, start=False)

    def progress(done: int, failed: int, total: int) -> None:
        if not bar.live.is_started:
            # Runs restored from disk are not this session's work: the clock (rate, time
            # left) starts after them.
            bar.start()
            bar.reset(task, total=total, completed=done, failed=failed, resumed=done)
        else:
            bar.update(task, completed=done, failed=failed)

    def stop_bar() -> None:
        if bar.live.is_started:  # stopping a bar never drawn prints an empty line
            bar.stop()

    try:
        # SIGTERM and SIGHUP end the command as Ctrl-C does, from here on (run_sweep
        # handles them itself while it runs).
        with StopTrap():
            outcome = run_sweep(sweep, out=folder, executor=executor, workers=workers,
                                scheduler=scheduler, resume=resume, overwrite=overwrite,
                                chunk_runs=chunk_runs, progress=progress,
                                allow_version_change=allow_version_change,
                                retry_failed=not keep_failed)
    except SweepInterrupted as stop:
        stop_bar()
        again = f"stability-sim sweep {sweep_file} --resume" + (f" --out {out}" if out else "")
        if stop.exit_code == EX_TEMPFAIL:
            again += f" --executor dask --scheduler {scheduler}" if scheduler else ""
            head = f"error: {stop.reason}; stopped"
        else:
            head = "interrupted" if stop.reason == "SIGINT" else f"interrupted by {stop.reason}"
        say(f"{head}: {stop.saved:,} of {stop.total:,} runs are saved in {stop.path}; "
            f"continue with: {again}", stderr=True)
        raise typer.Exit(stop.exit_code) from None
    except KeyboardInterrupt as stop:  # before the first run started: nothing to save
        stop_bar()
        err_console.print("interrupted before any run started; nothing was run")
        raise typer.Exit(exit_code(stop)) from None
    finally:
        stop_bar()
    for note in outcome.notes:
        say(f"note: {note}", stderr=True)
    used = outcome.executor or {"kind": executor, "workers": workers or default_workers()}
    rate = outcome.ran / outcome.elapsed_s * 60 if outcome.elapsed_s > 0 else 0.0
    say(f"sweep {sweep.name}: {outcome.total:,} runs, {outcome.ok:,} ok, "
        f"{outcome.failed:,} failed; {outcome.ran:,} run now in {outcome.elapsed_s:,.1f} s "
        f"({rate:,.0f} runs/min, {used['workers']} workers, {used['kind']}) → {outcome.path}")
    if outcome.failed:
        say(f"{outcome.failed} runs failed: see the 'error' column of "
            f"{outcome.path / 'runs.parquet'} and {outcome.path / 'failed.log'}", stderr=True)
        raise typer.Exit(FAILED_BASE + min(outcome.failed, FAILED_CAP))

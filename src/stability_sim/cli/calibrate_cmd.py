"""``stability-sim calibrate``: history matching then ABC-SMC, into a calibration folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stability_sim.calibration.spec import load_calibration
from stability_sim.cli.common import SetOption, cell, console, err_console, say, user_errors
from stability_sim.experiments.executors import EXECUTORS
from stability_sim.experiments.stops import StopTrap, exit_code
from stability_sim.experiments.sweep import SweepInterrupted
from stability_sim.paths import safe_output_dir


@user_errors
def calibrate_command(
    calibration_file: Annotated[Path, typer.Argument(
        help="Calibration file (YAML), e.g. configs/calibrations/recovery.yaml, or the name "
        "of a shipped calibration.", show_default=False)],
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", help="Worker processes (default: one per core).")] = None,
    executor: Annotated[str, typer.Option(
        "--executor", help=f"Where runs execute: {', '.join(EXECUTORS)}.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (with --executor dask).")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Calibration folder (default: results/<name>).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue a stopped calibration in the folder (finished runs are "
        "kept; the result is the same as an uninterrupted one).")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the calibration already in the folder.")] = False,
    sets: SetOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Validate the files and print the plan and its run count; run "
        "nothing.")] = False,
    figures: Annotated[bool, typer.Option(
        "--figures/--no-figures", help="Draw the figures into FOLDER/figures.")] = True,
) -> None:
    """Calibrate parameters to a targets file: history matching, then ABC-SMC.

    Writes the calibration folder: each stage's runs (standard results folders under
    waves/, abc/, predictive/), runs.parquet, waves.parquet (designs and implausibility),
    emulators.parquet (leave-one-out checks), posterior.parquet (weighted samples),
    predictive.parquet, summary.json, manifest.json and figures/. `stability-sim report
    FOLDER` writes a report of it; a sweep design `kind: posterior` draws from it.

    Exit code: 0 when done; 2 for bad input (nothing run); 1 when runs failed (the
    calibration stops, saying how many and why); 128 + the signal when stopped by one
    (the finished runs are kept: continue with --resume).

    Example: stability-sim calibrate configs/calibrations/recovery.yaml --dry-run
    """
    # Imported here: the emulators and pyabc take seconds to import, which every other
    # command would pay at start-up.
    from stability_sim.calibration.run import RunsFailedError, calibrate, plan

    cal = load_calibration(calibration_file, sets or [])
    folder = safe_output_dir(out if out is not None else Path("results") / cal.name)
    table = Table(title=cell(f"calibration {cal.name} ({cal.source})"))
    table.add_column("item", style="bold")
    table.add_column("value")
    table.add_row("scenario", cell(str(cal.scenario_path)))
    table.add_row("targets", cell(str(cal.targets_path)))
    for item, value in plan(cal):
        table.add_row(item, cell(value))
    table.add_row("master seed", str(cal.seed))
    table.add_row("folder", cell(folder))
    console.print(table)
    if dry_run:
        console.print("dry run: calibration valid; nothing run.")
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(),
                   console=err_console)
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, failed: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total, failed=0)
        bar.update(tasks[stage], completed=done, failed=failed, total=total)

    try:
        with StopTrap():
            outcome = calibrate(cal, out=folder, executor=executor, workers=workers,
                                scheduler=scheduler, resume=resume, overwrite=overwrite,
                                progress=progress)
    except SweepInterrupted as stop:
        bar.stop()
        say(f"interrupted ({stop.reason}): the finished runs are saved in {folder}; continue "
            f"with: stability-sim calibrate {calibration_file} --resume"
            + (f" --out {out}" if out else ""), stderr=True)
        raise typer.Exit(stop.exit_code) from None
    except KeyboardInterrupt as stop:
        bar.stop()
        err_console.print("interrupted before any run started; nothing was run")
        raise typer.Exit(exit_code(stop)) from None
    except RunsFailedError as exc:
        bar.stop()
        say(f"error: {exc}", stderr=True)
        raise typer.Exit(exc.exit_code) from None
    finally:
        if bar.live.is_started:
            bar.stop()
    for note in outcome.notes:
        say(f"note: {note}", stderr=True)
    result = Table(title=cell(f"calibration {cal.name}: {outcome.status}, {outcome.runs:,} "
                              f"runs ({outcome.ran:,} now) in {outcome.elapsed_s:,.0f} s"))
    for column in ("parameter", "prior", "median", "90% interval", "truth"):
        result.add_column(column)
    for name, entry in outcome.summary["parameters"].items():
        lo, hi = entry["prior"]
        post = (f"{entry['median']:.4g}", f"[{entry['q05']:.4g}, {entry['q95']:.4g}]") \
            if "median" in entry else ("-", "-")
        truth = f"{entry['truth']:.4g}" if "truth" in entry else ""
        result.add_row(name, f"[{lo:g}, {hi:g}]", *post, truth)
    console.print(result)
    if outcome.nroy:
        say("not ruled out after each wave: "
            + ", ".join(f"{share:.1%}" for share in outcome.nroy))
    if figures:
        from stability_sim.analysis.calibration_figures import write_calibration_figures

        written = write_calibration_figures(outcome.path)
        say(f"wrote {len(written)} figures to {outcome.path / 'figures'}")
    say(f"calibration folder: {outcome.path}; report: stability-sim report {outcome.path}")

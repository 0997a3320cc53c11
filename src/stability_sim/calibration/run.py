"""Running a calibration: history-matching waves, ABC-SMC inside what they leave, a check.

:func:`calibrate` is the one entry point (``stability-sim calibrate`` and notebooks):

1. **History matching** (waves 1..K): a Latin hypercube over the prior box, then each
   wave's points drawn inside the space not yet ruled out (NROY). Every point is run
   ``replications`` times; a Gaussian-process emulator per target is fitted to the
   points' means; a point is ruled out when a target's implausibility
   ``|z - E[f(x)]| / sqrt(V_obs + V_emulator + V_ensemble)`` exceeds the cutoff.
2. **ABC-SMC** (pyabc) with a prior uniform on the final NROY space. The acceptance is
   stochastic with a normal kernel of the observation and ensemble variance (Wilkinson
   2013), so the last generation (temperature 1) samples the posterior of that error
   model, not of an arbitrary tolerance.
3. **Posterior predictive**: parameter sets drawn from the posterior are run again and
   each target's observed value is set against the predictive interval.

Every stage is a sweep (explicit points) in a folder of the calibration, run through the
sweep executors with the sweep's seeding rule (its master seed derived from the
calibration's), so a killed calibration resumes by replaying: the designs, the emulators
and pyabc's draws are functions of the seeds and the stored runs, and each stage's sweep
resumes where it stopped.
"""

from __future__ import annotations

import json
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.exceptions import ConvergenceWarning

from stability_sim import __version__
from stability_sim.calibration.constraints import constraining_targets, first_stage
from stability_sim.calibration.history import (
    NoSpaceLeft,
    Wave,
    fit_wave,
    max_implausibility,
    sample_nroy,
)
from stability_sim.calibration.spec import Calibration, load_calibration
from stability_sim.calibration.targets import TargetSet
from stability_sim.calibration.weights import weighted_quantiles
from stability_sim.errors import UserError
from stability_sim.experiments import provenance
from stability_sim.experiments.designs import points_design
from stability_sim.experiments.executors import make_executor
from stability_sim.experiments.results import load_results
from stability_sim.experiments.spec import Sweep
from stability_sim.experiments.sweep import run_sweep
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes, jsonable

#: Spawn-key prefix of the calibration's own streams (designs, stage seeds, draws).
STAGE_STREAM = 0xCA1

#: Points of the fixed reference sample on which the NROY share of each wave is measured.
REFERENCE_POINTS = 2000
#: The ABC prior draws from a pool of the space left when that space is below this share
#: of the prior box (rejection would then need over 20 emulator evaluations per draw):
#: up to POOL_POINTS points, from up to POOL_CANDIDATES uniform candidates.
POOL_BELOW = 0.05
POOL_POINTS = 2000
POOL_CANDIDATES = 400_000

#: Reductions whose target is one realisation of the run (the record happened once):
#: their ensemble variance is that of a single run around the mean.
PER_RUN = ("value", "mean", "sum")

#: Files and folders a calibration owns (``--overwrite`` removes only these).
OWNED = ("manifest.json", "waves", "abc", "predictive", "runs.parquet", "waves.parquet",
         "implausibility.parquet", "emulators.parquet", "posterior.parquet",
         "predictive.parquet", "summary.json", "figures", "report")

#: Progress callback: ``progress(stage, done, failed, total)``.
Progress = Callable[[str, int, int, int], None]


class RunsFailedError(Exception):
    """Runs of a stage failed: the calibration stops, saying how many and why.

    Attributes:
        exit_code: The CLI's exit code (1: the model failed, not the input).
    """

    exit_code = 1


@dataclass
class CalibrationOutcome:
    """What a call of :func:`calibrate` did.

    Attributes:
        path: The calibration folder.
        status: ``complete``, or ``no-space`` when history matching ruled out everything.
        runs: Runs in all stages (ok).
        ran: Runs executed in this call (the rest were found in the folder).
        stages: Per stage: name, folder, runs.
        nroy: Share of the prior box not ruled out after each wave.
        posterior: Weighted posterior sample (natural units, ``weight``), or None.
        summary: Per parameter: prior, posterior median and 90 % interval.
        elapsed_s: Wall time of this call.
        notes: Things worth knowing (a stage cut short by the budget, ...).
    """

    path: Path
    status: str
    runs: int
    ran: int
    stages: list[dict[str, Any]]
    nroy: list[float]
    posterior: pd.DataFrame | None
    summary: dict[str, Any]
    elapsed_s: float
    notes: list[str] = field(default_factory=list)


def stage_seed(seed: int, *key: int) -> int:
    """The master seed of one stage's sweep: a child of the calibration's seed."""
    state = np.random.SeedSequence(seed, spawn_key=(STAGE_STREAM, *key)).generate_state(2)
    return int(state[0]) << 31 | int(state[1]) >> 1  # 62 bits: fits the registry's int


def stream(seed: int, *key: int) -> np.random.Generator:
    """A generator for one of the calibration's own draws (a design, a resample)."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=(STAGE_STREAM, *key))))


def plan(calibration: Calibration) -> list[tuple[str, str]]:
    """The calibration's stages and run counts, for ``--dry-run``."""
    cal = calibration
    r = cal.replications
    rows = [("parameters", ", ".join(f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in
                                     cal.priors.items())),
            ("replications", str(r))]
    if cal.hm.waves:
        rows.append(("history matching", f"{cal.hm.waves} waves × {cal.hm.points} points × "
                     f"{r} = {cal.hm_runs:,} runs (cutoff {cal.hm.cutoff:g})"))
    else:
        rows.append(("pilot", f"{cal.hm.points} points × {r} = {cal.hm.points * r:,} runs "
                     "(ensemble variances only; no history matching)"))
    hm = cal.hm_runs if cal.hm.waves else cal.hm.points * r
    rows.append(("ABC-SMC", f"population {cal.abc.population}, at most "
                 f"{cal.abc.generations} generations; at most {cal.budget - hm:,} runs "
                 f"(the budget {cal.budget:,} less the {hm:,} above)"))
    rows.append(("posterior predictive", f"{cal.abc.predictive} draws × {r} = "
                 f"{cal.abc.predictive * r:,} runs"))
    rows.append(("at most", f"{cal.budget + cal.abc.predictive * r:,} runs"))
    return rows


def calibrate(calibration: str | Path | Calibration, *, out: str | Path | None = None,
              executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, overwrite: bool = False,
              overrides: Sequence[str] = (), progress: Progress | None = None
              ) -> CalibrationOutcome:
    """Calibrate a scenario's parameters to a targets file.

    Args:
        calibration: A calibration file (or shipped name), or a loaded one.
        out: The calibration folder (default ``results/<name>``).
        executor: ``local`` (process pool), ``serial`` or ``dask``.
        workers: Worker processes (default: one per core).
        scheduler: A Dask scheduler address (``dask`` only).
        resume: Continue the calibration already in ``out`` (its finished runs are kept).
        overwrite: Replace the calibration already in ``out``.
        overrides: ``key=value`` settings for every run (with a file path only).
        progress: Called as ``progress(stage, done, failed, total)`` while runs finish.

    Raises:
        UserError: Bad files or options (before any run), or a folder that holds
            something else.
        RunsFailedError: When runs of a stage failed (how many, and the first error).
        SweepInterrupted: After Ctrl-C or SIGTERM, once the finished runs are saved.
    """
    cal = calibration if isinstance(calibration, Calibration) else \
        load_calibration(calibration, overrides)
    folder = safe_output_dir(Path(out) if out is not None else Path("results") / cal.name,
                             option="out", allow_climb=True)
    driver = _Driver(cal, cal.targets, folder, executor=executor, workers=workers,
                     scheduler=scheduler, progress=progress)
    driver.open(resume=resume, overwrite=overwrite)
    return driver.run()


class _Driver:
    """One calibration's state while it runs (stages, runs so far, files)."""

    def __init__(self, cal: Calibration, targets: TargetSet, folder: Path, *, executor: str,
                 workers: int | None, scheduler: str | None, progress: Progress | None):
        self.cal, self.targets, self.folder = cal, targets, folder
        self.executor, self.workers, self.scheduler = executor, workers, scheduler
        self.progress = progress or (lambda stage, done, failed, total: None)
        self.names = tuple(t.name for t in targets.targets)
        self.z = np.array([t.observed for t in targets.targets], dtype=float)
        self.var_obs = np.array([t.sd for t in targets.targets], dtype=float) ** 2
        self.per_run = np.array([t.reduction in PER_RUN for t in targets.targets])
        self.columns = sorted({c for t in targets.targets for c in t.columns})
        self.frames: list[pd.DataFrame] = []
        self.stages: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.used = 0  # runs of history matching and ABC so far (the budget's count)
        self.ran = 0
        self.start = time.perf_counter()
        self.manifest: dict[str, Any] = {}
        self.pool: Any = None
        self.best: dict[str, Any] | None = None  # the best joint draw (predictive stage)

    # -- the folder -------------------------------------------------------------------

    def open(self, *, resume: bool, overwrite: bool) -> None:
        """Create the folder, or check it is this calibration's when resuming."""
        manifest_path = self.folder / "manifest.json"
        existing = None
        if manifest_path.is_file():
            try:
                existing = json.loads(manifest_path.read_text())
            except (OSError, ValueError):
                existing = None
        is_ours = isinstance(existing, dict) and existing.get("kind") == "calibration"
        if self.folder.exists() and any(self.folder.iterdir()):
            if not is_ours:
                raise UserError("holds something other than a calibration; choose another "
                                "folder", source="--out", key=str(self.folder))
            if overwrite:
                for name in OWNED:
                    path = self.folder / name
                    if path.is_dir():
                        shutil.rmtree(path)
                    elif path.exists():
                        path.unlink()
            elif not resume:
                raise UserError("already holds a calibration; continue it with --resume or "
                                "replace it with --overwrite", source="--out",
                                key=str(self.folder))
            elif existing.get("fingerprint") != self.cal.fingerprint():
                raise UserError("holds a calibration with other settings, targets or "
                                "scenario; --resume continues only the same calibration "
                                "(use --overwrite or another --out)", source="--out",
                                key=str(self.folder))
        self.folder.mkdir(parents=True, exist_ok=True)
        cal = self.cal
        self.manifest = {
            "kind": "calibration", "name": cal.name, "status": "running",
            "description": cal.description, "fingerprint": cal.fingerprint(),
            "calibration": cal.raw, "overrides": list(cal.overrides),
            "inputs": {str(Path(cal.source)): _sha256(Path(cal.source)),
                       str(cal.targets_path): self.targets.sha256,
                       str(cal.scenario_path): _sha256(cal.scenario_path)},
            "targets_file": {"path": str(cal.targets_path), "cutoff": self.targets.cutoff},
            "versions": {"stability_sim": __version__, **provenance.environment()},
            "seed": cal.seed, "replications": cal.replications, "budget": cal.budget,
            "parameters": {n: list(r) for n, r in cal.priors.items()},
            "targets": list(self.names),
            "method": {"history_matching": vars(cal.hm), "abc": vars(cal.abc),
                       "emulator": "scikit-learn GaussianProcessRegressor",
                       "abc_library": "pyabc (StochasticAcceptor, Temperature)"},
            "stages": [], "runs": {}, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        self._write_manifest()

    def _write_manifest(self) -> None:
        atomic_write_bytes(self.folder / "manifest.json",
                           json.dumps(jsonable(self.manifest), indent=2).encode())

    def _write_table(self, name: str, frame: pd.DataFrame,
                     metadata: dict[str, Any] | None = None) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if metadata is not None:
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}),
                 b"stability_sim": json.dumps(jsonable(metadata)).encode()})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        atomic_write_bytes(self.folder / name, sink.getvalue().to_pybytes())

    # -- running a stage ---------------------------------------------------------------

    def run_stage(self, stage: str, folder: str, unit: np.ndarray, key: tuple[int, ...],
                  *, counted: bool = True) -> pd.DataFrame:
        """Run the points ``unit`` (rows of the unit cube) as one sweep; per-run targets.

        Returns:
            One row per run: run_id, point_id, replicate, then one column per target.
        """
        cal = self.cal
        natural = cal.to_natural(unit)
        design = points_design(cal.names, natural.tolist(), source=cal.source,
                               info={"calibration": cal.name, "stage": stage})
        sweep = Sweep(f"{cal.name[:40]}-{stage}"[:64], cal.source,
                      {"calibration": cal.source, "stage": stage},
                      (cal.base,) * len(natural), design, stage_seed(cal.seed, *key),
                      cal.replications, cal.overrides, f"stage {stage} of {cal.name}")
        path = self.folder / folder
        outcome = run_sweep(sweep, out=path, resume=path.exists(), pool=self.pool,
                            progress=lambda d, f, t: self.progress(stage, d, f, t))
        self.ran += outcome.ran
        if counted:
            self.used += outcome.total
        self.stages.append({"name": stage, "folder": folder, "runs": outcome.total,
                            "points": len(natural), "ran": outcome.ran})
        self.manifest["stages"] = self.stages
        self._write_manifest()
        results = load_results(path)
        runs = results.runs
        if outcome.failed:
            errors = runs.loc[runs["status"] != "ok", "error"].dropna()
            first = errors.iloc[0] if len(errors) else "unknown error"
            self.manifest["status"] = "failed"
            self._write_manifest()
            raise RunsFailedError(
                f"{outcome.failed} of {outcome.total} runs of stage {stage} failed "
                f"(first: {first}); see {path / 'failed.log'}. The calibration stopped; "
                "fix the cause and continue with --resume")
        series = results.series(columns=self.columns) if self.columns else None
        values = self.targets.per_run(runs, series)
        frame = runs[["run_id", "point_id", "replicate"]].merge(
            values, left_on="run_id", right_index=True, how="left")
        record = frame.copy()
        record.insert(0, "stage", stage)
        for j, name in enumerate(cal.names):
            record.insert(4 + j, name, natural[record["point_id"].to_numpy(), j])
        self.frames.append(record)
        return frame

    def point_stats(self, frame: pd.DataFrame, points: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point and target: the ensemble statistic, its noise and the ensemble variance.

        The noise is the variance of the statistic as an estimate (what the emulator
        treats as nugget); the ensemble variance is what the comparison with the record
        allows for: one run's spread for per-run reductions, the estimate's for shares
        and quantiles.
        """
        k = len(self.names)
        stat, noise, ens = (np.zeros((points, k)) for _ in range(3))
        r = self.cal.replications
        for p, group in frame.groupby("point_id"):
            for j, target in enumerate(self.targets.targets):
                v = group[target.name].to_numpy(dtype=float)
                stat[p, j] = target.statistic(v)
                e = target.ensemble_variance(v)
                ens[p, j] = e
                noise[p, j] = e / r if self.per_run[j] else e
        return stat, noise, ens

    # -- the stages ---------------------------------------------------------------------

    def run(self) -> CalibrationOutcome:
        """History matching, ABC-SMC, the predictive check; the folder's files."""
        # One pool for every stage: starting workers and importing the model in them
        # costs seconds, and a calibration runs tens of small sweeps.
        with make_executor(self.executor, self.workers, self.scheduler) as pool, \
                warnings.catch_warnings():
            # A restart of the GP optimiser that stops early is not a failed emulator: the
            # leave-one-out checks in emulators.parquet judge the emulators.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.pool = pool
            self.manifest["executor"] = pool.describe()
            try:
                return self._run()
            except KeyboardInterrupt:  # Ctrl-C, SIGTERM: the finished runs are saved
                self.manifest["status"] = "interrupted"
                self._write_manifest()
                raise

    def _run(self) -> CalibrationOutcome:
        cal = self.cal
        d = len(cal.names)
        reference = _lhs(d, REFERENCE_POINTS, stream(cal.seed, 0))
        waves, nroy, var_ens = self.history_matching(reference)
        status = "complete"
        posterior = None
        if self.manifest.get("no_space"):
            status = "no-space"
        else:
            posterior = self.abc(waves, var_ens)
            self.predictive(posterior)
        summary = self.summarize(posterior, nroy)
        runs = pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame()
        self._write_table("runs.parquet", runs)
        # A stage with failed runs stops the calibration, so every run recorded is ok.
        self.manifest.update(status=status,
                             runs={"total": len(runs), "ok": len(runs), "failed": 0},
                             elapsed_s=time.perf_counter() - self.start,
                             finished=time.strftime("%Y-%m-%dT%H:%M:%S"), notes=self.notes)
        self._write_manifest()
        return CalibrationOutcome(self.folder, status, len(runs), self.ran,
                                  self.stages, nroy, posterior, summary,
                                  time.perf_counter() - self.start, self.notes)

    def history_matching(self, reference: np.ndarray
                         ) -> tuple[list[Wave], list[float], np.ndarray]:
        """The waves; returns them, the NROY share after each, and the ensemble variances."""
        cal = self.cal
        d = len(cal.names)
        waves: list[Wave] = []
        xs: list[np.ndarray] = []
        stats: list[np.ndarray] = []
        noises: list[np.ndarray] = []
        wave_rows: list[pd.DataFrame] = []
        loo_rows: list[pd.DataFrame] = []
        impl = pd.DataFrame(cal.to_natural(reference), columns=list(cal.names))
        nroy: list[float] = []
        timings: list[dict[str, Any]] = []  # emulator cost per wave (docs/PERFORMANCE.md)
        var_ens = np.zeros(len(self.names))
        count = max(cal.hm.waves, 1)  # waves: 0 still runs one pilot design (no cut)
        for k in range(1, count + 1):
            rng = stream(cal.seed, 1, k)
            clock = time.perf_counter()
            if k == 1:
                unit = _lhs(d, cal.hm.points, rng)
            else:
                try:
                    unit = sample_nroy(waves, cal.hm.points, rng, cutoff=cal.hm.cutoff, d=d)
                except NoSpaceLeft as exc:
                    self.notes.append(f"wave {k}: {exc}")
                    self.manifest["no_space"] = True
                    nroy.append(0.0)
                    break
            design_s = time.perf_counter() - clock
            name = f"wave-{k}" if cal.hm.waves else "pilot"
            frame = self.run_stage(name, f"waves/{name}", unit, (1, k))
            stat, noise, ens = self.point_stats(frame, len(unit))
            xs.append(unit)
            stats.append(stat)
            noises.append(noise)
            var_ens = ens.mean(axis=0)
            if not cal.hm.waves:
                break
            clock = time.perf_counter()
            wave = fit_wave(np.vstack(xs), np.vstack(stats), np.vstack(noises), self.z,
                            self.var_obs, var_ens, self.names, random_state=k)
            waves.append(wave)
            timing = {"wave": k, "points": len(unit), "design_s": design_s,
                      "fit_s": time.perf_counter() - clock}
            here = max_implausibility(waves, unit)
            rows = pd.DataFrame(cal.to_natural(unit), columns=list(cal.names))
            rows.insert(0, "wave", k)
            rows.insert(1, "point_id", np.arange(len(unit)))
            for j, target in enumerate(self.names):
                rows[f"{target}_mean"] = stat[:, j]
                rows[f"{target}_var"] = ens[:, j]
            rows["max_implausibility"] = here
            rows["nroy"] = here < cal.hm.cutoff
            wave_rows.append(rows)
            clock = time.perf_counter()
            for emulator, target in zip(wave.emulators, self.names, strict=True):
                loo = emulator.loo()
                loo.insert(0, "wave", k)
                loo.insert(1, "target", target)
                loo_rows.append(loo)
            timing["loo_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            impl[f"max_implausibility_wave_{k}"] = max_implausibility(waves, reference)
            timing["reference_s"] = time.perf_counter() - clock
            timings.append(timing)
            nroy.append(float(np.mean(impl[f"max_implausibility_wave_{k}"] < cal.hm.cutoff)))
            if nroy[-1] == 0.0:
                if not np.any(here < cal.hm.cutoff):
                    self.notes.append(f"wave {k} ruled out the whole prior box (on "
                                      f"{REFERENCE_POINTS} reference points and its own "
                                      "design): no parameter set matches the targets "
                                      "within the cutoff")
                    self.manifest["no_space"] = True
                    break
                # A space smaller than the reference sample resolves is still a space: the
                # wave's own points, drawn from it, show it.
                self.notes.append(
                    f"wave {k}: none of the {REFERENCE_POINTS} reference points is left, "
                    f"but {int(np.sum(here < cal.hm.cutoff))} of the wave's "
                    f"{len(unit)} design points are: the space left is under "
                    f"{1 / REFERENCE_POINTS:.2%} of the prior box")
        if wave_rows:
            self._write_table("waves.parquet", pd.concat(wave_rows, ignore_index=True))
            self._write_table("emulators.parquet", pd.concat(loo_rows, ignore_index=True))
            self._write_table("implausibility.parquet", impl)
        self.manifest["nroy"] = nroy
        self.manifest["emulator_seconds"] = timings
        self.manifest["ensemble_variance"] = dict(zip(self.names, var_ens.tolist(),
                                                      strict=True))
        self._write_manifest()
        return waves, nroy, var_ens

    def abc(self, waves: list[Wave], var_ens: np.ndarray) -> pd.DataFrame:
        """ABC-SMC in the NROY space; returns the weighted posterior (natural units)."""
        import pyabc  # seconds to import: only when a calibration reaches this stage

        from stability_sim.calibration import abc as abcs

        cal = self.cal
        d = len(cal.names)
        abcs.quiet()
        cutoff = cal.hm.cutoff

        def inside(unit: np.ndarray) -> np.ndarray:
            return max_implausibility(waves, unit) < cutoff

        # Where the space left is small, the prior's draws come from a pool of its points
        # drawn once (abc.RegionPrior): rejection from the whole box would take hundreds
        # of emulator evaluations per draw.
        pool = None
        if waves and self.manifest.get("nroy", [1.0])[-1] < POOL_BELOW:
            try:
                pool = sample_nroy(waves, POOL_POINTS, stream(cal.seed, 4), cutoff=cutoff,
                                   d=d, max_candidates=POOL_CANDIDATES)
            except NoSpaceLeft:  # then by rejection, as for a large space
                pool = None
        if pool is not None:
            self.notes.append(f"ABC prior: {len(pool)} points of the space left, drawn from "
                              f"up to {POOL_CANDIDATES:,} candidates (the space is under "
                              f"{POOL_BELOW:.0%} of the prior box)")

        evaluations: dict[tuple[float, ...], dict[str, float]] = {}

        def evaluate(t: int, batch: int, keys: Sequence[tuple[float, ...]]) -> None:
            unique = list(dict.fromkeys(k for k in keys if k not in evaluations))
            if not unique:
                return
            name = f"abc-prior-b{batch}" if t < 0 else f"abc-g{t}-b{batch}"
            unit = np.array(unique)
            frame = self.run_stage(name, f"abc/{name[4:]}", unit, (2, t + 1, batch))
            stat, _, _ = self.point_stats(frame, len(unit))
            for p, key in enumerate(unique):
                evaluations[key] = dict(zip(self.names, stat[p].tolist(), strict=True))

        r = cal.replications
        sampler = abcs.BatchSampler(
            evaluate, cal.seed, lambda: max(0, cal.budget - self.used) // r)
        # The kernel's variance plus the spread of a mean of r runs makes the error model's
        # variance: observation + one realisation's spread (per-run targets).
        kernel_var = self.var_obs + np.where(self.per_run, var_ens * (1 - 1 / r), 0.0)
        kernel_var = np.maximum(kernel_var, 1e-12 * np.maximum(self.z ** 2, 1.0))
        kernel = pyabc.IndependentNormalKernel(var=kernel_var.tolist(), keys=list(self.names))
        smc = pyabc.ABCSMC(abcs.LookupModel(evaluations, d),
                           abcs.RegionPrior(d, inside if waves else None, pool), kernel,
                           population_size=cal.abc.population, sampler=sampler,
                           acceptor=pyabc.StochasticAcceptor(), eps=pyabc.Temperature())
        db = self.folder / "abc" / "history.db"
        db.parent.mkdir(exist_ok=True)
        db.unlink(missing_ok=True)  # a resume replays the generations from the runs
        observed = dict(zip(self.names, self.z.tolist(), strict=True))
        with abcs.global_stream(np.random.SeedSequence(cal.seed, spawn_key=(abcs.ABC_STREAM,))):
            smc.new(f"sqlite:///{db.resolve()}", observed)
            history = smc.run(max_nr_populations=cal.abc.generations)
        if sampler.stopped_by_budget:
            self.notes.append(f"ABC stopped by the budget of {cal.budget:,} runs after "
                              f"{history.max_t + 1} generations; the last complete one is "
                              "the posterior (its temperature may be above 1)")
        frame, weights = history.get_distribution(m=0, t=history.max_t)
        unit = frame[abcs.par_names(d)].to_numpy()
        posterior = pd.DataFrame(cal.to_natural(unit), columns=list(cal.names))
        posterior["weight"] = np.asarray(weights, dtype=float) / np.sum(weights)
        posterior["generation"] = int(history.max_t)
        temperatures = history.get_all_populations()
        self.manifest["abc"] = {
            "generations": int(history.max_t + 1),
            "epsilon": [float(e) for e in temperatures["epsilon"].tolist()
                        if np.isfinite(e)],
            "simulations": int(history.total_nr_simulations),
            "kernel_variance": dict(zip(self.names, kernel_var.tolist(), strict=True))}
        self._write_table("posterior.parquet", posterior, metadata={
            "calibration": cal.name, "parameters": list(cal.names),
            "prior": {n: list(r_) for n, r_ in cal.priors.items()},
            "targets": list(self.names), "cutoff": self.targets.cutoff})
        return posterior

    def predictive(self, posterior: pd.DataFrame) -> None:
        """Run posterior draws again; each target against its predictive interval."""
        cal = self.cal
        if not cal.abc.predictive:
            return
        rng = stream(cal.seed, 3)
        weights = posterior["weight"].to_numpy()
        rows = rng.choice(len(posterior), size=cal.abc.predictive, p=weights / weights.sum())
        unit = cal.to_unit(posterior[list(cal.names)].to_numpy()[rows])
        frame = self.run_stage("predictive", "predictive", unit, (3,), counted=False)
        stat, _, _ = self.point_stats(frame, len(unit))
        self.best = best_draw(stat, self.z, self.var_obs,
                              posterior[list(cal.names)].to_numpy()[rows], cal.names)
        out = []
        for j, target in enumerate(self.targets.targets):
            # One run's value for per-run targets (the record is one realisation); the
            # ensemble statistic of each draw for shares and quantiles.
            draws = frame[target.name].to_numpy(dtype=float) if self.per_run[j] \
                else stat[:, j]
            draws = draws[np.isfinite(draws)]
            # The record includes its observation error: add it to the draws.
            noisy = draws + rng.normal(0.0, np.sqrt(self.var_obs[j]), size=draws.size)
            q05, median, q95 = np.quantile(noisy, [0.05, 0.5, 0.95])
            lo, hi = target.interval if target.interval is not None else (
                target.observed - 1.645 * target.sd, target.observed + 1.645 * target.sd)
            # The predictive PIT of the record: near 0 or 1 when the posterior cannot
            # produce it (ties split, as counts tie).
            pit = float(np.mean(noisy < target.observed) + 0.5 * np.mean(noisy == target.observed))
            out.append({"target": target.name, "observed": target.observed, "lo": lo,
                        "hi": hi, "median": median, "q05": q05, "q95": q95,
                        "covered": bool(q05 <= target.observed <= q95), "pit": pit,
                        "draws": int(noisy.size)})
        self._write_table("predictive.parquet", pd.DataFrame(out))

    def summarize(self, posterior: pd.DataFrame | None, nroy: list[float]) -> dict[str, Any]:
        """summary.json: the posterior per parameter against its prior; runs per stage."""
        cal = self.cal
        params_: dict[str, Any] = {}
        first = first_stage(self.frames[0]) if self.frames else pd.DataFrame()
        links = constraining_targets(first, cal.names, self.names)
        for name, (lo, hi) in cal.priors.items():
            entry: dict[str, Any] = {"prior": [lo, hi],
                                     "constrained_by": links.get(name, [])}
            if posterior is not None:
                q05, median, q95 = weighted_quantiles(posterior[name].to_numpy(),
                                                      posterior["weight"].to_numpy(),
                                                      [0.05, 0.5, 0.95])
                entry.update(median=median, q05=q05, q95=q95,
                             width_share=(q95 - q05) / (hi - lo))
            truth = self.targets.truth.get(name)
            if truth is not None:
                entry["truth"] = truth
            params_[name] = entry
        summary = {"calibration": cal.name, "parameters": params_, "nroy": nroy,
                   "best_draw": self.best,
                   "stages": self.stages, "runs_counted": self.used,
                   "elapsed_s": time.perf_counter() - self.start, "notes": self.notes}
        atomic_write_bytes(self.folder / "summary.json",
                           json.dumps(jsonable(summary), indent=2).encode())
        return summary


def best_draw(stat: np.ndarray, observed: np.ndarray, var_obs: np.ndarray,
              values: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """The posterior draw whose runs fit all the targets best at once.

    A model's defaults must be one point of the parameter space: posterior medians of
    some parameters beside hand-set values of others can lie far outside the space the
    record allows. The draw with the smallest ``Σ z²``, ``z = (statistic - observed) /
    sd_obs`` over the targets, is such a point. The model's own spread is left out of
    ``z``: estimated from a few replications it is itself noisy, and would favour draws
    that happened to scatter widely; an ensemble at the chosen point judges its fit
    (``tests/statistical/test_afghan_core.py``).

    Args:
        stat: Per draw and target, the ensemble statistic of its replications.
        observed: The targets' observed values.
        var_obs: The targets' observation variances.
        values: Per draw, its parameter values (columns in ``names``' order).
        names: The calibrated parameters.

    Returns:
        ``{"draw", "sum_z2", "z", "values"}``: the draw's index, its ``Σ z²``, its ``z``
        per target (in the targets' order) and its parameter values by name.
    """
    z = (stat - observed) / np.sqrt(var_obs)
    total = np.where(np.isfinite(z), z, np.inf) ** 2
    score = total.sum(axis=1)
    j = int(np.argmin(score))
    return {"draw": j, "sum_z2": float(score[j]), "z": z[j].tolist(),
            "values": {n: float(v) for n, v in zip(names, values[j], strict=True)}}


def _lhs(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=rng).random(n)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()

"""Scenario discovery and policy robustness on a results folder (``discover``, ``robustness``).

The inputs are the sweep's swept parameters, split by their registry role: levers (what a
policy-maker chooses) and uncertainties (what the model assumes). An ``exploratory``
design records each run's policy and world; for any other design a policy is a
combination of lever values and a world a combination of uncertainty values. Each command
writes tables (CSV, Markdown), figures and a JSON record into
``RESULTS/discovery/<event>/`` or ``RESULTS/robustness/<outcome>/``, which the sweep's
report shows when present.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stability_sim import params
from stability_sim.analysis import discovery as disc
from stability_sim.analysis import exploratory_figures as figs
from stability_sim.analysis.events import Event, check_varies, parse_event
from stability_sim.analysis.frames import (
    as_results,
    check_outcomes,
    label_value,
    ok_runs,
    outcome_kind,
    short_names,
)
from stability_sim.analysis.robustness import BOOTSTRAP, Robustness, robustness
from stability_sim.calibration.scoring import fingerprint, fmt, md_table
from stability_sim.errors import UserError
from stability_sim.experiments.folder import storage
from stability_sim.experiments.results import Results
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes, jsonable

DISCOVERY_FOLDER = "discovery"
ROBUSTNESS_FOLDER = "robustness"
METHODS = ("prim", "cart")
#: Every file ``discover`` can write into its folder.
DISCOVERY_FILES = frozenset({
    "tradeoff.csv", "stability.csv", "leaves.csv", "box.csv", "features.csv", "discovery.md",
    "discovery.json", "features.png", "box.png", "tradeoff.png", "pairs.png"})


@dataclass(frozen=True)
class Inputs:
    """The runs of a results folder as scenario discovery sees them.

    Attributes:
        runs: The finished runs (derived outcomes added).
        x: One row per finished run, one column per swept parameter (and ``scenario``).
        levers: The columns of ``x`` that are levers (``scenario`` counts as one).
        uncertainties: The columns of ``x`` that are uncertainties.
        policy: Each run's policy label.
        world: Each run's world index.
    """

    runs: pd.DataFrame
    x: pd.DataFrame
    levers: list[str]
    uncertainties: list[str]
    policy: pd.Series
    world: pd.Series


def inputs(results: Results) -> Inputs:
    """Split a results folder's swept columns into levers and uncertainties.

    Raises:
        UserError: No run finished, or the design sweeps nothing the registry tags.
    """
    runs = ok_runs(results)
    if runs.empty:
        raise UserError("no run finished: nothing to analyse", source=str(results.path))
    columns = list(results.parameters)
    levers, uncertainties = [], []
    for name in columns:
        if name == "scenario":
            levers.append(name)  # a scenario is a bundle of policy choices
            continue
        role = params.get(name).role
        if role is params.Role.LEVER:
            levers.append(name)
        elif role is params.Role.UNCERTAINTY:
            uncertainties.append(name)
    if not levers and not uncertainties:
        raise UserError("the sweep varies no lever or uncertainty (nothing tagged in the "
                        "registry): sweep with an exploratory design", source=str(results.path))
    x = runs[levers + uncertainties].reset_index(drop=True)
    labels = short_names(levers)
    # A policy is named by its lever values (an exploratory design's policy_id is the same
    # partition: one id per combination of lever values).
    policy = pd.Series([", ".join(f"{labels[n]}={label_value(v)}"
                                  for n, v in zip(levers, row, strict=True))
                        or "all" for row in runs[levers].itertuples(index=False)],
                       index=runs.index, name="policy")
    if "world_id" in runs:
        world = runs["world_id"].astype(int)
    else:
        world = (runs.groupby(uncertainties, sort=True, dropna=False).ngroup()
                 if uncertainties else pd.Series(0, index=runs.index))
    return Inputs(runs=runs.reset_index(drop=True), x=x, levers=levers,
                  uncertainties=uncertainties, policy=policy.reset_index(drop=True),
                  world=world.rename("world").reset_index(drop=True))


def slug(text: str) -> str:
    """A folder name for an event or outcome.

    ``afg_government_collapse_month<=36`` → ``afg_government_collapse_month_le_36``.
    """
    text = text.replace("<=", "_le_").replace(">=", "_ge_").replace("<", "_lt_").replace(
        ">", "_gt_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.") or "event"


# ------------------------------------------------------------------------------ discovery

@dataclass
class Discovery:
    """A scenario-discovery result and the files written for it."""

    event: Event
    method: str
    runs: int
    hits: int
    prim: disc.PrimResult | None
    cart: disc.CartResult | None
    features: pd.Series
    folder: Path
    files: list[Path] = field(default_factory=list)

    @property
    def limits(self) -> pd.DataFrame:
        """The chosen box's restricted dimensions."""
        if self.prim is not None:
            return self.prim.limits
        assert self.cart is not None
        return self.cart.limits[self.cart.chosen]

    @property
    def coverage(self) -> float:
        """The chosen box's coverage."""
        return (self.prim or self.cart).coverage  # type: ignore[union-attr]

    @property
    def density(self) -> float:
        """The chosen box's density."""
        return (self.prim or self.cart).density  # type: ignore[union-attr]


def discover(source: Results | str | Path, event: str, *, method: str = "prim",
             out: str | Path | None = None, min_coverage: float = disc.MIN_COVERAGE,
             box: int | None = None, seed: int = 0, figures: bool = True) -> Discovery:
    """Find the box of inputs where ``event`` happens, and score the inputs.

    Args:
        source: A results folder or :class:`Results`.
        event: The event's text (see :mod:`stability_sim.analysis.events`).
        method: ``prim`` or ``cart``.
        out: Output folder (default ``RESULTS/discovery/<event>``).
        min_coverage: The chosen box is the densest covering at least this share.
        box: PRIM only: report this box of the trajectory instead.
        seed: Seed of PRIM's resampling test and of the feature scoring.
        figures: Draw the figures (the tests of the numbers skip them).

    Raises:
        UserError: An unknown method or event, an event that never or always happens, no
            swept lever or uncertainty.
    """
    if method not in METHODS:
        raise UserError(f"expected one of {', '.join(METHODS)}", source="--method", key=method)
    if not 0.0 <= min_coverage <= 1.0:
        raise UserError("expected a share in [0, 1]", source="--min-coverage",
                        key=str(min_coverage))
    results = as_results(source)
    parsed = parse_event(event, results)
    data = inputs(results)
    hits = parsed.of(data.runs)
    check_varies(hits, parsed, source="--event")
    folder = safe_output_dir(Path(out) if out is not None else
                             results.path / DISCOVERY_FOLDER / slug(event),
                             option="discovery folder", allow_climb=True)
    prim_result = cart_result = None
    if method == "prim":
        try:
            prim_result = disc.prim(data.x, hits, min_coverage=min_coverage, seed=seed,
                                    box=box)
        except ValueError as exc:
            raise UserError(str(exc), source="--box", key=str(box)) from None
    else:
        cart_result = disc.cart(data.x, hits, min_coverage=min_coverage)
    features = disc.feature_scores(data.x, hits, seed=seed)
    result = Discovery(event=parsed, method=method, runs=int(hits.size),
                       hits=int(hits.sum()), prim=prim_result, cart=cart_result,
                       features=features, folder=folder)
    with storage(folder, "run the discovery again"):
        folder.mkdir(parents=True, exist_ok=True)
        result.files = _write_discovery(result, results, data, hits, figures=figures)
    return result


def _writer(folder: Path, files: list[Path]) -> Any:
    """A function writing one file of ``folder`` (atomically) and listing it in ``files``."""
    def put(name: str, payload: bytes) -> None:
        path = folder / name
        atomic_write_bytes(path, payload)
        files.append(path)
    return put


def _png(fig: Any) -> bytes:
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=110)
    return image.getvalue()


def _json_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(jsonable(record), indent=1, allow_nan=False) + "\n").encode()


def _write_discovery(result: Discovery, results: Results, data: Inputs, hits: np.ndarray,
                     *, figures: bool) -> list[Path]:
    folder = result.folder
    files: list[Path] = []
    put = _writer(folder, files)
    limits = result.limits
    record: dict[str, Any] = {
        "kind": "discovery", "event": result.event.text, "label": result.event.label(),
        "method": result.method, "results": str(results.path),
        "fingerprint": fingerprint(results), "runs": result.runs, "hits": result.hits,
        "base_rate": result.hits / result.runs, "levers": data.levers,
        "uncertainties": data.uncertainties,
        "box": {"coverage": result.coverage, "density": result.density,
                "limits": limits.rename_axis("dimension").reset_index().to_dict("records")},
        "features": {str(k): float(v) for k, v in result.features.items()},
    }
    if result.prim is not None:
        p = result.prim
        record["box"].update({"index": p.chosen, "mass": p.mass})
        record["tradeoff"] = p.tradeoff.to_dict("records")
        record["stability"] = p.stability.to_dict("index")
        put("tradeoff.csv", p.tradeoff.to_csv(index_label="box").encode())
        put("stability.csv", p.stability.to_csv(index_label="dimension").encode())
    else:
        c = result.cart
        assert c is not None
        record["box"].update({"index": c.chosen, "mass": float(c.leaves.loc[c.chosen, "mass"])})
        record["leaves"] = c.leaves.to_dict("records")
        put("leaves.csv", c.leaves.to_csv(index_label="leaf").encode())
    put("box.csv", limits.to_csv(index_label="dimension").encode())
    put("features.csv", result.features.to_csv(index_label="input").encode())
    put("discovery.md", discovery_markdown(result, record).encode())
    put("discovery.json", _json_bytes(record))
    if figures:
        shown = [("features.png", figs.features_chart(result.features, result.event.label())),
                 ("box.png", figs.box_chart(limits, data.x, result.event.label()))]
        if result.prim is not None:
            shown.append(("tradeoff.png", figs.tradeoff_chart(result.prim.tradeoff,
                                                              result.prim.chosen)))
        dims = list(limits.index)[:3] or list(result.features.index[:2])
        shown.append(("pairs.png", figs.pairs_chart(data.x, hits, dims, limits)))
        for name, fig in shown:
            put(name, _png(fig))
    # A folder reused with the other method (or without figures) must not keep the last
    # run's files beside this one's: the report and a reader would mix the two.
    for name in DISCOVERY_FILES - {p.name for p in files}:
        stale = folder / name
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
    return files


def box_table(limits: pd.DataFrame) -> pd.DataFrame:
    """The box's limits as a readable table (dimension, range or values, quasi-p)."""
    rows = []
    for name, row in limits.iterrows():
        within = (row["values"] if isinstance(row.get("values"), str) and row["values"]
                  else f"{figs.short_number(row['min'])} – {figs.short_number(row['max'])}")
        qp = [row.get(k) for k in ("qp_lower", "qp_upper") if k in row]
        qp = [q for q in qp if q is not None and np.isfinite(q)]
        rows.append({"dimension": str(name), "within": within,
                     "quasi-p": fmt(max(qp)) if qp else "–"})
    return pd.DataFrame(rows, columns=["dimension", "within", "quasi-p"])


def discovery_markdown(result: Discovery, record: dict[str, Any]) -> str:
    """The discovery as Markdown."""
    method = {"prim": "PRIM (peeling and pasting)", "cart": "CART (a classification tree)"}
    lines = [f"# Scenario discovery: {result.event.label()}", "",
             f"Results: {record['results']} ({result.runs} finished runs; the event happens "
             f"in {result.hits}, a base rate of {result.hits / result.runs:.3f}).",
             f"Method: {method[result.method]}; the chosen box covers "
             f"{result.coverage:.3f} of the event's runs with density {result.density:.3f} "
             f"(box {record['box']['index']}, {record['box']['mass']:.3f} of all runs).", ""]
    lines += md_table(box_table(result.limits)) if len(result.limits) else [
        "No input is restricted: the whole space is the box.", ""]
    lines += ["", "Feature scores (extra trees; higher drives the event more):", ""]
    lines += md_table(pd.DataFrame({"input": result.features.index,
                               "score": [f"{v:.3f}" for v in result.features]}))
    if result.prim is not None and len(result.prim.stability):
        lines += ["", "Resampling: % of PRIM runs on half the runs restricting each input in "
                  "a box of about the same coverage / density:", ""]
        st = result.prim.stability
        lines += md_table(pd.DataFrame({"input": st.index,
                                   "coverage": [f"{v:.0f}" for v in st["reproduce coverage"]],
                                   "density": [f"{v:.0f}" for v in st["reproduce density"]]}))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- robustness

@dataclass
class RobustnessReport:
    """A robustness table of one outcome and the files written for it."""

    outcome: str
    label: str
    result: Robustness
    folder: Path
    files: list[Path] = field(default_factory=list)


def outcome_values(results: Results, runs: pd.DataFrame, outcome: str
                   ) -> tuple[np.ndarray, str]:
    """The per-run values of an outcome or event text, and its label.

    A value outcome is itself; a true/false outcome, a month outcome (happened at all) or
    an event with a threshold counts 0/1, so its world mean is a probability.
    """
    if re.search(r"[<>]", outcome) is None:
        check_outcomes(results, [outcome], source="--outcome")
        if outcome_kind(outcome) == "value":
            values = pd.to_numeric(runs[outcome], errors="coerce").astype(float)
            return values.to_numpy(), outcome
    event = parse_event(outcome, results, source="--outcome")
    return event.of(runs).astype(float), f"P({event.label()})"


def robust(source: Results | str | Path, outcome: str, *, direction: str = "min",
           threshold: float | None = None, out: str | Path | None = None,
           bootstrap: int = BOOTSTRAP, seed: int = 0, figures: bool = True
           ) -> RobustnessReport:
    """The robustness of each policy of a results folder for one outcome.

    Args:
        source: A results folder or :class:`Results`.
        outcome: A summary outcome, or an event (counted as a probability).
        direction: ``min`` if less is better (the default: instability, violence), ``max``
            if more is.
        threshold: Satisficing threshold on the world's mean.
        out: Output folder (default ``RESULTS/robustness/<outcome>``).
        bootstrap: Resamples of the replications for the intervals.
        seed: Seed of the bootstrap.
        figures: Draw the figure.

    Raises:
        UserError: No lever among the swept parameters, an unknown outcome, a bad
            direction or threshold, no world with a run of every policy.
    """
    if direction not in ("min", "max"):
        raise UserError("expected min (less is better) or max", source="--direction",
                        key=direction)
    if threshold is not None and not np.isfinite(threshold):
        raise UserError("expected a finite number", source="--threshold", key=str(threshold))
    results = as_results(source)
    data = inputs(results)
    if not data.levers:
        raise UserError("the sweep varies no lever (the registry tags none of "
                        f"{', '.join(results.parameters) or 'its parameters'} as one): "
                        "robustness compares policies; sweep with an exploratory design",
                        source=str(results.path))
    values, label = outcome_values(results, data.runs, outcome)
    frame = pd.DataFrame({"policy": data.policy, "world": data.world, "value": values})
    try:
        rob = robustness(frame, "value", direction=direction, threshold=threshold,
                         bootstrap=bootstrap, seed=seed)
    except ValueError as exc:
        raise UserError(str(exc), source=str(results.path)) from None
    folder = safe_output_dir(Path(out) if out is not None else
                             results.path / ROBUSTNESS_FOLDER / slug(outcome),
                             option="robustness folder", allow_climb=True)
    report = RobustnessReport(outcome=outcome, label=label, result=rob, folder=folder)
    with storage(folder, "run the robustness analysis again"):
        folder.mkdir(parents=True, exist_ok=True)
        report.files = _write_robustness(report, results, data, figures=figures)
    return report


def _interval_text(r: pd.Series, digits: int) -> Any:
    """A formatter of one row's statistic with its bootstrap interval."""
    def text(k: str) -> str:
        if not np.isfinite(r[k]):
            return "–"
        value = figs.short_number(r[k], digits)
        if f"{k}_lo" in r and np.isfinite(r[f"{k}_lo"]):
            low, high = (figs.short_number(r[f"{k}_{e}"], digits) for e in ("lo", "hi"))
            return f"{value} [{low}, {high}]"
        return value
    return text


def robustness_display(rob: Robustness | pd.DataFrame, *, digits: int = 3) -> pd.DataFrame:
    """The robustness table with intervals, formatted for Markdown, a report or a terminal.

    Args:
        rob: The robustness result, or its table (one row per policy).
        digits: Significant digits (2 fits an 80-column terminal).
    """
    table = rob if isinstance(rob, pd.DataFrame) else rob.table
    rows = []
    for policy, r in table.iterrows():
        iv = _interval_text(r, digits)
        rows.append({"policy": str(policy), "mean": iv("mean"),
                     "p10 / p50 / p90": " / ".join(figs.short_number(r[f"p{q}"], digits)
                                                   for q in (10, 50, 90)),
                     "satisficing": iv("satisficing"), "max regret": iv("max_regret"),
                     "worlds": int(r["worlds"]), "runs": int(r["runs"])})
    return pd.DataFrame(rows)


def _write_robustness(report: RobustnessReport, results: Results, data: Inputs, *,
                      figures: bool) -> list[Path]:
    rob, folder = report.result, report.folder
    files: list[Path] = []
    put = _writer(folder, files)
    better = "less" if rob.direction == "min" else "more"
    meets = "<=" if rob.direction == "min" else ">="
    record = {
        "kind": "robustness", "outcome": report.outcome, "label": report.label,
        "direction": rob.direction, "threshold": rob.threshold, "results": str(results.path),
        "fingerprint": fingerprint(results), "levers": data.levers,
        "uncertainties": data.uncertainties, "best": str(rob.best),
        "dropped_worlds": list(rob.dropped_worlds),
        "table": rob.table.reset_index().to_dict("records"),
    }
    put("robustness.csv", rob.table.to_csv().encode())
    put("regret.csv", rob.regret.to_csv().encode())
    put("values.csv", rob.values.to_csv().encode())
    lines = [f"# Robustness: {report.label}", "",
             f"Results: {results.path}; {better} is better. Per policy, over "
             f"{rob.table['worlds'].iloc[0]} worlds (each the mean of its replications): "
             "mean, percentiles, satisficing (share of worlds with the mean "
             f"{meets} {rob.threshold if rob.threshold is not None else '–'}), maximum "
             "regret (shortfall from the best policy of each world). Brackets: 90% "
             "bootstrap intervals over the replications.",
             f"Minimax regret: {rob.best}.", ""]
    if rob.dropped_worlds:
        lines += [f"Left out: {len(rob.dropped_worlds)} worlds where some policy has no "
                  "finished run.", ""]
    lines += md_table(robustness_display(rob))
    put("robustness.md", ("\n".join(lines) + "\n").encode())
    put("robustness.json", _json_bytes(record))
    if figures:
        put("robustness.png", _png(figs.robustness_chart(rob, report.label)))
    return files


def read_records(results: Results, kind: str) -> list[tuple[Path, dict[str, Any] | str]]:
    """The discovery or robustness records written for a results folder.

    Args:
        results: The results.
        kind: ``discovery`` or ``robustness``.

    Returns:
        Per subfolder holding ``<kind>.json`` (sorted): its path and the record, or a
        one-line reason it cannot be shown (unreadable, or computed from another state of
        the folder).
    """
    top = results.path / (DISCOVERY_FOLDER if kind == "discovery" else ROBUSTNESS_FOLDER)
    if not top.is_dir() or top.is_symlink():
        return []
    out: list[tuple[Path, dict[str, Any] | str]] = []
    current = fingerprint(results)
    for folder in sorted(p for p in top.iterdir() if p.is_dir() and not p.is_symlink()):
        path = folder / f"{kind}.json"
        if not path.is_file() or path.is_symlink():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            out.append((folder, f"{path} is not readable JSON"))
            continue
        if not isinstance(record, dict) or record.get("kind") != kind:
            out.append((folder, f"{path} is not a {kind} record"))
        elif record.get("fingerprint") != current:
            out.append((folder, f"{path} was computed from another state of this folder; "
                        f"run stability-sim {'discover' if kind == 'discovery' else kind} "
                        "again"))
        else:
            out.append((folder, record))
    return out

"""The report of a results folder: PNG figures, ``report.md`` and ``report.html``.

The report is a list of blocks (headings, paragraphs, tables, figures) rendered twice, as
Markdown to paste from and as a self-contained HTML page next to the figures. It says
what was run, how many runs failed (they are left out of every statistic), the outcome
summaries per group, the design's comparisons, the sensitivity table when the design has
one, and the figures with captions.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from matplotlib.figure import Figure

from stability_sim import __version__
from stability_sim.analysis.frames import (
    DEFAULT_OUTCOMES,
    as_results,
    check_outcomes,
    groups,
    ok_runs,
    outcome_kind,
    short_names,
)
from stability_sim.analysis.maps import map_panel
from stability_sim.analysis.plots import (
    MAX_FAN_GROUPS,
    event_heatmap,
    fan_chart,
    outcome_panel,
    sensitivity_chart,
)
from stability_sim.analysis.score_figures import crps_chart, pit_histogram
from stability_sim.analysis.sensitivity import sensitivity
from stability_sim.analysis.stats import contrasts, summarise
from stability_sim.calibration.scoring import FOLDER as SCORES_FOLDER
from stability_sim.calibration.scoring import (
    fingerprint,
    overall_display,
    read_scores,
    rows_display,
)
from stability_sim.errors import UserError
from stability_sim.experiments.folder import refuse_links, storage
from stability_sim.experiments.results import Results
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes
from stability_sim.untrusted import markdown, printable

#: Monthly series drawn as fan charts.
FAN_SERIES = ("stability_index_tjk", "afg_insurgent_control_share", "attacks_tjk",
              "trafficking_north_tons")
#: Figure resolution: sharp in a paper draft, small enough for a repository.
DPI = 110


@dataclass
class Report:
    """What :func:`write_report` wrote.

    Attributes:
        folder: The report folder.
        markdown: ``report.md``.
        html: ``report.html``.
        figures: The PNG files, in the report's order.
        counts: Runs ``ok``, ``failed``, ``pending`` and ``total``.
        notes: What the report left out and why.
    """

    folder: Path
    markdown: Path
    html: Path
    figures: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _fmt(value: object, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 10 ** digits:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _html(text: str) -> str:
    """Text for HTML: hidden characters shown as escapes, then HTML specials escaped."""
    return html.escape(printable(text))


def _p(value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


class _Doc:
    """Blocks rendered to Markdown and HTML.

    Text is escaped for each format here, at the boundary, and nowhere else: it mixes our
    prose with what the results folder says (description, names, paths, parameter values,
    error texts), which anyone who can write the folder controls. The only raw Markdown
    and HTML is the block structure this class adds.
    """

    def __init__(self) -> None:
        self.md: list[str] = []
        self.html: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.md.append(f"{'#' * level} {markdown(text)}\n")
        self.html.append(f"<h{level}>{_html(text)}</h{level}>")

    def para(self, text: str) -> None:
        self.md.append(markdown(text) + "\n")
        self.html.append(f"<p>{_html(text)}</p>")

    def bullets(self, items: Sequence[str]) -> None:
        self.md.append("\n".join(f"- {markdown(i)}" for i in items) + "\n")
        self.html.append("<ul>" + "".join(f"<li>{_html(i)}</li>" for i in items) + "</ul>")

    def table(self, frame: pd.DataFrame) -> None:
        head = [str(c) for c in frame.columns]
        cells = frame.astype(str)
        lines = ["| " + " | ".join(map(markdown, head)) + " |",
                 "|" + "|".join("---" for _ in head) + "|"]
        lines += ["| " + " | ".join(map(markdown, row)) + " |"
                  for row in cells.itertuples(index=False)]
        self.md.append("\n".join(lines) + "\n")
        shown = cells.map(printable)
        shown.columns = [printable(c) for c in head]
        self.html.append(shown.to_html(index=False, border=0, classes="table", escape=True))

    def figure(self, name: str, caption: str) -> None:
        where = f"figures/{quote(name)}"
        self.md.append(f"![{markdown(caption)}]({where})\n\n*{markdown(caption)}*\n")
        self.html.append(f'<figure><img src="{html.escape(where)}" alt="{_html(caption)}">'
                         f"<figcaption>{_html(caption)}</figcaption></figure>")

    def markdown(self) -> str:
        return "\n".join(self.md)

    def page(self, title: str) -> str:
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
                 "line-height:1.4}table{border-collapse:collapse;font-size:0.85em}"
                 "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
                 "img{max-width:100%}figcaption{font-style:italic;margin-bottom:2em}")
        return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
                f"{_html(title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(self.html) + "\n</body></html>\n")


def write_report(results_dir: str | Path, out: str | Path | None = None,
                 outcomes: Sequence[str] | None = None) -> Report:
    """Write the report of a results folder.

    Args:
        results_dir: A sweep's results folder (complete or not).
        out: Report folder (default ``<results_dir>/report``).
        outcomes: Summary or derived outcomes to report (default
            :data:`~stability_sim.analysis.frames.DEFAULT_OUTCOMES`).

    Raises:
        UserError: If the folder is not a sweep's results, an outcome is unknown, or no
            run finished.
    """
    results = as_results(results_dir)
    outcomes = check_outcomes(results, outcomes or DEFAULT_OUTCOMES)
    folder = safe_output_dir(Path(out) if out is not None else results.path / "report",
                             option="report folder", allow_climb=True)
    # A full or read-only disk is one line (exit 3), and the results stay as they were.
    with storage(folder, "run the report again"):
        return _write_report(results, outcomes, folder)


def _write_report(results: Results, outcomes: Sequence[str], folder: Path) -> Report:
    figures_dir = folder / "figures"
    # The figures go where the report says: a planted link would put them anywhere.
    refuse_links(folder, ("report.md", "report.html"), listed=("figures",))
    figures_dir.mkdir(parents=True, exist_ok=True)
    runs = ok_runs(results)
    m = results.manifest
    counts = {"ok": int((results.runs["status"] == "ok").sum()),
              "failed": int((results.runs["status"] == "failed").sum()),
              "total": int(m["total_runs"])}
    counts["pending"] = counts["total"] - counts["ok"] - counts["failed"]
    report = Report(folder, folder / "report.md", folder / "report.html", counts=counts)
    if runs.empty:
        raise UserError(f"no run finished ({counts['failed']} failed, {counts['pending']} "
                        "not run); there is nothing to report", source=str(results.path))

    doc = _Doc()
    doc.heading(f"Sweep report: {m['name']}", 1)
    if m.get("description"):
        doc.para(" ".join(str(m["description"]).split()))
    doc.para(f"Written {datetime.now(UTC).replace(microsecond=0).isoformat()} by "
             f"stability_sim {__version__} from {results.path}. Every statistic is over "
             "the runs that finished; failed runs are left out.")
    _design(doc, results)
    _counts(doc, results, counts)

    def save(fig: Figure, name: str, caption: str) -> None:
        path = figures_dir / name
        image = io.BytesIO()
        fig.savefig(image, format="png", dpi=DPI)
        atomic_write_bytes(path, image.getvalue())  # replaces a link, never writes through
        report.figures.append(path)
        doc.figure(name, caption)

    doc.heading("Outcomes")
    doc.para(_grouping_note(results))
    doc.table(_summary_table(summarise(results, outcomes)))
    save(outcome_panel(results, outcomes[:6]), "outcomes.png",
         "Distributions of the first outcomes by group: events as probabilities with 95% "
         "Wilson intervals, numbers as box plots over runs.")

    table = contrasts(results, outcomes)
    if len(table):
        doc.heading("Comparisons")
        doc.para(_contrast_note(results))
        doc.table(_contrast_table(table))

    kind = m["design"]["kind"]
    numeric_params = [p for p in results.parameters if p != "scenario"]
    if kind != "scenarios":
        sens = sensitivity(results, outcomes)
        doc.heading("Sensitivity")
        doc.para(f"Method: {sens.attrs['method']}, on design-point means over "
                 "replications.")
        if len(sens):
            doc.table(_sensitivity_table(sens))
            shown = list(dict.fromkeys(sens["outcome"]))[:3]
            for name in shown:
                save(sensitivity_chart(sens, name), f"sensitivity_{name}.png",
                     f"Sensitivity of {name} to the swept parameters ({sens.attrs['method']}).")
        for name, why in sens.attrs["skipped"].items():
            report.notes.append(f"sensitivity of {name} left out: {why}")
        if sens.attrs["skipped"]:
            doc.para("Left out: " + "; ".join(f"{k} ({v})"
                                              for k, v in sens.attrs["skipped"].items()))

    _scores(doc, results, report, save)
    _exploratory(doc, results, report, figures_dir)

    doc.heading("Figures")
    events = [o for o in outcomes if outcome_kind(o) == "event"]
    if len(numeric_params) >= 2 and events:
        x, y = numeric_params[:2]
        for event in events[:2]:
            save(event_heatmap(results, event, x, y), f"heatmap_{event}.png",
                 f"Probability of {event} over {x} × {y}, with its 95% Wilson interval and "
                 "the number of runs per cell.")
    # A grid's points are too many for one readable fan chart: one panel per swept
    # parameter, its values pooled over the others.
    bys: list[str | None] = numeric_params[:3] if kind == "grid" else [None]
    n_groups = max(groups(results, runs, by).nunique() for by in bys)
    fan_note = (f" (the first {MAX_FAN_GROUPS} of {n_groups} groups)"
                if n_groups > MAX_FAN_GROUPS else "")
    pooled = (", one panel per swept parameter, pooled over the others"
              if kind == "grid" else "")
    for column in FAN_SERIES:
        save(_fans(results, column, bys), f"fan_{column}.png",
             f"{column} by month: median with the 50% and 90% bands across runs"
             f"{pooled}{fan_note}.")
    try:
        save(map_panel(results), "maps.png",
             f"Mean over the {len(runs)} finished runs, per cell: share of months "
             "insurgent-held, deaths, and opiate flow per month; borders, the named "
             "regions (dashed) and capitals drawn.")
    except UserError as exc:
        report.notes.append(f"maps left out: {exc.message}")
        doc.para(f"Maps left out: {exc.message}")

    atomic_write_bytes(report.markdown, doc.markdown().encode())
    atomic_write_bytes(report.html, doc.page(f"Sweep report: {m['name']}").encode())
    return report


def _exploratory(doc: _Doc, results: Results, report: Report, figures_dir: Path) -> None:
    """Scenario discovery and robustness sections, for what ``discover``/``robustness`` wrote."""
    from stability_sim.analysis.exploratory import box_table, read_records, robustness_display

    def copy(folder: Path, name: str, caption: str) -> None:
        source = folder / name
        if source.is_file() and not source.is_symlink():
            target = f"{folder.parent.name}_{folder.name}_{name}"
            atomic_write_bytes(figures_dir / target, source.read_bytes())
            report.figures.append(figures_dir / target)
            doc.figure(target, caption)

    def shown(kind: str, heading: str, intro: str) -> list[tuple[Path, dict]]:
        """The readable records of ``kind`` under ``heading``; the others said left out."""
        found = read_records(results, kind)
        if found:
            doc.heading(heading)
            doc.para(intro)
        for _, record in found:
            if isinstance(record, str):
                report.notes.append(f"{kind} left out: {record}")
                doc.para(f"Left out: {record}.")
        return [(f, r) for f, r in found if isinstance(r, dict)]

    for folder, record in shown(
            "discovery", "Scenario discovery",
            "Which uncertainties and levers lead to each event (stability-sim discover; "
            "PRIM or CART from EMA Workbench, extra-trees feature scores). Coverage: the "
            "share of the event's runs inside the box; density: the share of the box's runs "
            "with the event."):
        box = record["box"]
        doc.heading(f"{record['label']} ({record['method'].upper()})", 3)
        doc.para(f"{record['hits']} of {record['runs']} runs (base rate "
                 f"{record['base_rate']:.3f}); the box covers {box['coverage']:.3f} of them "
                 f"with density {box['density']:.3f}.")
        limits = pd.DataFrame(box["limits"])
        if len(limits):
            doc.table(box_table(limits.set_index("dimension")))
        else:
            doc.para("No input is restricted.")
        top = sorted(record["features"].items(), key=lambda kv: -kv[1])[:5]
        doc.para("Feature scores: " + ", ".join(f"{k} {v:.2f}" for k, v in top) + ".")
        copy(folder, "tradeoff.png", f"PRIM's coverage-density trade-off for {record['label']}.")
        copy(folder, "box.png", f"The box's limits for {record['label']}.")
        copy(folder, "pairs.png", f"Runs on the box's inputs for {record['label']}.")
    for folder, record in shown(
            "robustness", "Robustness of policies",
            "How each policy does across the sampled worlds (stability-sim robustness): the "
            "mean and percentiles over worlds, satisficing and maximum regret, with 90% "
            "bootstrap intervals over the replications. With few replications the maximum "
            "and the percentiles of noisy world means are biased upward, and their intervals "
            "can lie beside the estimate: then it is noise."):
        better = "less" if record["direction"] == "min" else "more"
        doc.heading(f"{record['label']} ({better} is better)", 3)
        threshold = record.get("threshold")
        doc.para(f"Minimax regret: {record['best']}."
                 + (f" Satisficing threshold {threshold:g}." if threshold is not None else ""))
        # JSON's nulls (no threshold: no satisficing) come back as None: make them NaN.
        table = pd.DataFrame(record["table"]).set_index("policy").astype(float)
        doc.table(robustness_display(table))
        copy(folder, "robustness.png", f"Robustness of each policy for {record['label']}.")


def _scores(doc: _Doc, results: Results, report: Report,
            save: Callable[[Figure, str, str], None]) -> None:
    """The "Forecast scores" section, when ``stability-sim score`` wrote its default folder."""
    folder = results.path / SCORES_FOLDER
    if not (folder / "scores.json").exists() and not folder.is_symlink():
        return
    doc.heading("Forecast scores")
    try:
        refuse_links(results.path, (SCORES_FOLDER,), listed=(SCORES_FOLDER,))
        data = read_scores(folder)
    except UserError as exc:
        report.notes.append(f"forecast scores left out: {exc.line()}")
        doc.para(f"Left out: {exc.line()}")
        return
    if data["results"].get("fingerprint") != fingerprint(results):
        why = (f"{SCORES_FOLDER}/scores.json was computed from another state of this folder "
               "(the sweep was redone or continued since); run stability-sim score again")
        report.notes.append(f"forecast scores left out: {why}")
        doc.para(f"Left out: {why}.")
        return
    obs = data["observations"]
    per = "one forecast per design point" if data["by"] == "point" else "all runs pooled"
    doc.para(f"Forecasts of this folder ({per}) scored against the observations in "
             f"{obs['path']} (sha256 {str(obs['sha256'])[:12]})"
             + (f": {obs['description']}" if obs.get("description") else "") + ". CRPS (fair "
             "ensemble estimator) for numbers and Brier score for events, lower is better; "
             "the PIT and the coverage of the central 50% and 90% intervals check "
             "calibration.")
    if data.get("reference"):
        doc.para(f"Reference: {data['reference']['path']}; skill = 1 − S / S_ref (> 0: "
                 "better than the reference).")
    doc.table(overall_display(pd.DataFrame(data["overall"])))
    doc.table(rows_display(pd.DataFrame(data["rows"])))
    save(pit_histogram(data["rows"]), "scores_pit.png",
         "PIT of the observations in their forecast ensembles: flat if calibrated, U-shaped "
         "if the ensembles are too narrow, humped if too wide.")
    save(crps_chart(data["rows"]), "scores_crps.png",
         "Score of each observation (CRPS or Brier; lower is better).")


def _fans(results: Results, column: str, bys: Sequence[str | None]) -> Figure:
    if len(bys) == 1:
        return fan_chart(results, column, by=bys[0])
    fig = Figure(figsize=(6.0 * len(bys), 4.2), layout="constrained")
    first = None
    for i, by in enumerate(bys):
        ax = fig.add_subplot(1, len(bys), i + 1, sharey=first)
        first = first or ax
        fan_chart(results, column, by=by, ax=ax)
    return fig


def _design(doc: _Doc, results: Results) -> None:
    m = results.manifest
    design = m["design"]
    doc.heading("Design")
    items = [f"sweep file: {m['sweep_file']['path']}",
             f"design: {design['kind']}, {len(design['points'])} points × "
             f"{m['replications']} replications = {m['total_runs']} runs",
             f"seed: {m['seed']} (run i uses SeedSequence(seed).spawn(total_runs)[i])",
             "base scenario(s): " + ", ".join(f"{b['name']} ({b['source']})"
                                              for b in m["base_scenarios"])]
    if m.get("overrides"):
        items.append("--set: " + ", ".join(m["overrides"]))
    months = {b["resolved"]["months"] for b in m["base_scenarios"]}
    resolution = {b["resolved"]["grid"]["resolution"] for b in m["base_scenarios"]}
    items.append(f"months: {', '.join(map(str, sorted(months)))}; grid: "
                 f"{', '.join(f'{r}°' for r in sorted(resolution))}")
    if design["kind"] == "grid":
        for i, name in enumerate(design["parameters"]):
            values = list(dict.fromkeys(row[i] for row in design["points"]))
            items.append(f"{name}: {', '.join(_fmt(v) for v in values)}")
    elif design["kind"] == "scenarios":
        for point in design["points"]:
            what = point["scenario"] or ", ".join(f"{k}={v}" for k, v in point["set"].items())
            items.append(f"{point['label']}: {what or 'the base scenario'}")
    else:
        if design["kind"] == "exploratory":
            info = design.get("info", {})
            levers = info.get("policy_parameters", [])
            items.append(f"{info.get('policies')} policies (every combination of the levers) "
                         f"× {info.get('worlds')} worlds ({info.get('world_kind')} sample of "
                         "the uncertainties):")
            for name in levers:
                i = design["parameters"].index(name)
                values = list(dict.fromkeys(row[i] for row in design["points"]))
                items.append(f"lever {name}: {', '.join(_fmt(v) for v in values)}")
        if design["kind"] == "posterior":
            info = design.get("info", {})
            items.append(f"drawn from the posterior of calibration "
                         f"{info.get('calibration_name') or '?'} ({info.get('calibration')}; "
                         f"posterior.parquet sha256 {info.get('posterior_sha256')}), prior box:")
        # A points design lists its rows and has no ranges.
        for name, (low, high) in design.get("ranges", {}).items():
            items.append(f"{name}: [{_fmt(low)}, {_fmt(high)}]")
    doc.bullets(items)


def _counts(doc: _Doc, results: Results, counts: dict[str, int]) -> None:
    doc.heading("Runs")
    status = results.manifest.get("status")
    line = (f"{counts['ok']} of {counts['total']} runs finished, {counts['failed']} failed"
            + (f", {counts['pending']} not run (sweep {status}; resume it with --resume)"
               if counts["pending"] else "") + ".")
    if counts["failed"]:
        errors = results.runs.loc[results.runs["status"] == "failed", "error"]
        common = errors.value_counts().head(3)
        line += (f" The {counts['failed']} failed runs are left out of every table and "
                 "figure; their tracebacks are in failed.log. Most common errors: "
                 + "; ".join(f"{e} ({n}×)" for e, n in common.items()) + ".")
    doc.para(line)


def _grouping_note(results: Results) -> str:
    kind = results.manifest["design"]["kind"]
    if kind == "scenarios":
        return "One group per scenario."
    if kind == "grid":
        return "One group per design point."
    if kind == "posterior":
        return ("All runs as one group: the posterior predictive distribution (parameter "
                "sets drawn by posterior weight, each run with its own seed).")
    return ("All runs as one group: every point of an LHS or Sobol' design is different; "
            "see the sensitivity section for how outcomes depend on the parameters.")


def _summary_table(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in table.itertuples():
        if r.kind == "event":
            estimate = f"P = {_fmt(r.probability)}"
            spread = f"95% CI [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
        elif pd.isna(r.mean):
            estimate, spread = "never happened", ""
        else:
            estimate = f"mean {_fmt(r.mean)}, median {_fmt(r.median)}"
            spread = f"5–95%: {_fmt(r.p5)} – {_fmt(r.p95)}"
            if r.kind == "month":
                spread += f" (in {_fmt(100 * r.share, 3)}% of runs)"
        rows.append({"group": r.group, "outcome": r.outcome, "runs": r.n,
                     "estimate": estimate, "spread": spread})
    return pd.DataFrame(rows)


def _contrast_note(results: Results) -> str:
    kind = results.manifest["design"]["kind"]
    what = {"scenarios": "Each scenario against the first.",
            "grid": "For each swept parameter, its highest value against its lowest, pooled "
                    "over the other parameters.",
            }.get(kind, "For each parameter, the runs in the top quarter of its range "
                        "against those in the bottom quarter, pooled over the others.")
    return (what + " Difference = b − a (probabilities for events, means otherwise; months "
            "over the runs where the event happened) with a 95% bootstrap interval; p from "
            "Fisher's exact test for events and the Mann–Whitney U test otherwise. The "
            "p-values are not corrected for the number of comparisons.")


def _contrast_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "a": table["a"], "b": table["b"], "outcome": table["outcome"],
        "a value": [_fmt(v) for v in table["value_a"]],
        "b value": [_fmt(v) for v in table["value_b"]],
        "difference [95% CI]": [f"{_fmt(d)} [{_fmt(lo)}, {_fmt(hi)}]" for d, lo, hi in
                                zip(table["difference"], table["ci_low"], table["ci_high"],
                                    strict=True)],
        "test": table["test"], "p": [_p(v) for v in table["p_value"]]})


def _sensitivity_table(table: pd.DataFrame) -> pd.DataFrame:
    names = short_names(list(dict.fromkeys(table["parameter"])))
    if "ST" in table.columns:
        return pd.DataFrame({
            "outcome": table["outcome"], "parameter": table["parameter"].map(names),
            "S1 ± CI": [f"{_fmt(a, 2)} ± {_fmt(b, 2)}" for a, b in
                        zip(table["S1"], table["S1_conf"], strict=True)],
            "ST ± CI": [f"{_fmt(a, 2)} ± {_fmt(b, 2)}" for a, b in
                        zip(table["ST"], table["ST_conf"], strict=True)]})
    return pd.DataFrame({"outcome": table["outcome"],
                         "parameter": table["parameter"].map(names),
                         "SRC": [_fmt(v, 2) for v in table["SRC"]],
                         "rank": [_fmt(v) for v in table["rank"]],
                         "R² of the fit": [_fmt(v, 2) for v in table["r2"]]})

"""The outcomes are declared once; every table and document is built from the declarations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa

from stability_sim.experiments.store import runs_schema, timeseries_schema
from stability_sim.outcomes import (
    OUTCOMES,
    Scope,
    markdown,
    monthly_columns,
    summary_keys,
    summary_types,
)


def test_names_are_unique_and_split_by_scope() -> None:
    names = [o.name for o in OUTCOMES]
    assert len(names) == len(set(names))
    assert monthly_columns() == [o.name for o in OUTCOMES if o.scope is Scope.MONTHLY]
    assert summary_keys() == [o.name for o in OUTCOMES if o.scope is Scope.SUMMARY]
    assert set(summary_types().values()) <= {"bool", "int", "float"}


def test_only_month_and_mean_outcomes_can_be_null() -> None:
    nullable = {o.name for o in OUTCOMES if o.nullable}
    assert all(("month" in n) for n in nullable - {"csto_mean_response_months"})


def test_the_parquet_schema_follows_the_declared_types() -> None:
    sweep = SimpleNamespace(design=SimpleNamespace(kind="grid", parameters=[]))
    schema = runs_schema(sweep)  # type: ignore[arg-type]
    for key, dtype in summary_types().items():
        want = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64()}[dtype]
        assert schema.field(key).type == want, key
    series = timeseries_schema()
    assert series.names == ["run_id", "step", "date", *monthly_columns()]


def test_docs_outcomes_md_is_current() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "OUTCOMES.md").read_text()
    assert doc.strip() == markdown().strip(), "docs/OUTCOMES.md is stale: `make params-doc`"

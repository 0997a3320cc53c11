"""What the calibrated defaults were calibrated to, and which targets constrained them.

Each entry is the ``calibrated`` text of a registry parameter whose default comes from
the run of ``stability-sim calibrate afghanistan_2010_2013`` (docs/CALIBRATION.md, "The
Afghan calibration") or ``central_asia_2010_2013`` (issue 18, "The Central Asian
calibration"): the calibration, the posterior's 90 % interval, and the targets
whose per-run values follow the parameter across the first wave's space-filling design
(|Spearman rho| >= 0.3, strongest first; ``summary.json``'s ``constrained_by``).

The rule, fixed before the defaults were changed: the defaults of *all* the calibrated
parameters are one point, the posterior predictive draw that fits every target at once
best (the smallest sum of squared standardized errors, ``summary.json``'s ``best_draw``),
rounded to three significant figures. A model's defaults must be a point the record
allows jointly: the earlier rule (the posterior median where the record narrowed a
parameter to under half its prior, hand-set values elsewhere) mixed medians with
assumptions into a point far outside that space (sum of squared z about 90 on 13
targets). Whether the record identifies a parameter (90 % interval under half its
prior) is reported beside it in docs/CALIBRATION.md, not used to pick the default.
"""

from __future__ import annotations

CALIBRATED_TO: dict[str, str] = {
    "combat.insurgent_loss_rate": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 1.42e-05 to "
        "5.77e-05; constrained by taliban_fighters_2010_2011, afg_attrition_2012, "
        "afg_attrition_2013, civilian_deaths_2011, civilian_deaths_2013_h1, "
        "civilian_deaths_2012, afg_contested_2010_2012, civilian_deaths_2010, "
        "afg_insurgent_control_2010_2012)"
    ),
    "jihadists.taliban.sanctuary_inflow": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 1,301 to 4,184; "
        "no single target follows it: |rho| < 0.3 for each)"
    ),
    "jihadists.taliban.recruitment_rate": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 0.0895 to 2.29; "
        "no single target follows it: |rho| < 0.3 for each)"
    ),
    "jihadists.taliban.attack_factor": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 5.38 to 7.92; "
        "constrained by civilian_deaths_2010, civilian_deaths_2011, civilian_deaths_2012)"
    ),
    "control.insurgent_weight": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 3.16 to 8.56; "
        "constrained by afg_insurgent_control_2010_2012, afg_contested_2010_2012)"
    ),
    "control.influence_km": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 23.5 to 42; "
        "constrained by afg_insurgent_control_2010_2012, afg_contested_2010_2012)"
    ),
    "afg_forces.growth_months": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 10.9 to 16.2; "
        "constrained by afg_forces_2010_10, afg_forces_2011_10, afg_forces_2012_10, "
        "afg_forces_2013_08)"
    ),
    "jihadists.taliban.fighter_cost_usd": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 3,118 to 13,830; "
        "no single target follows it: |rho| < 0.3 for each)"
    ),
    "afg_forces.cost_per_troop_usd": (
        "afghanistan_2010_2013 (best joint posterior draw; posterior 90% 16,236 to 18,293; "
        "constrained by afg_forces_2013_08)"
    ),
    "jihadists.imu.recruitment_rate": (
        "central_asia_2010_2013 (best joint posterior draw; posterior 90% 0.0248 to 0.963, "
        "0.94 of its prior: not identified, the IMU's war chest, not its recruitment, "
        "bounds it; constrained by imu_fighters_2013 only)"
    ),
    "jihadists.hut.recruitment_rate": (
        "central_asia_2010_2013 (best joint posterior draw; posterior 90% 0.0183 to 0.391; "
        "constrained by hut_members_2013)"
    ),
    "jihadists.repression_backlash": (
        "central_asia_2010_2013 (best joint posterior draw; posterior 90% 0.0997 to 9.25, "
        "0.92 of its prior: not identified; constrained by hut_members_2013 only jointly "
        "with HuT's rate; four runs put its best draw at 3.51, 2.71, 0.248 and 7.86); "
        "hand-set to 3.0 toward SF7 before the workbench existed"
    ),
    "jihadists.jak.initial_fighters": (
        "central_asia_2010_2013 (best joint posterior draw; posterior 90% 32 to 593; "
        "constrained by kaz_attacks_2010_2013, ca_attacks_2010_2013)"
    ),
    "jihadists.jak.seed_kaz": (
        "central_asia_2010_2013 (best joint posterior draw; posterior 90% 0.573 to 8.40, "
        "0.78 of its prior; no single target follows it: |rho| < 0.3 for each; it places "
        "the cells whose number initial_fighters sets)"
    ),
}

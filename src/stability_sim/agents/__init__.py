"""The agent families of the model and their mechanisms, one module each.

``states`` (StateAgent), ``security`` (SecurityForce, combat, the Afghan and international
forces), ``jihadists`` (JihadistNetwork, JihadistCell), ``trafficking`` (routing, hubs),
``responders`` (the CSTO), ``intelligence`` (rivalry, the intelligence field, RATS, the
NATO link), and the per-cell rules ``territory`` (control, threat), ``population``
(grievance, backlash, corruption) and ``borders``. Families get the World, the Ledger and
the typed parameter views, never the model; they import Mesa, numpy and the foundation
modules only. docs/ARCHITECTURE.md has the monthly schedule as a table.
"""

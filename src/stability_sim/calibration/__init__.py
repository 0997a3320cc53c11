"""Calibration and forecast scoring: targets, history matching, ABC-SMC, proper scores.

Layer: above ``experiments`` (it runs sweeps through their executors and result store),
below ``analysis`` (which draws its figures and reports).
"""

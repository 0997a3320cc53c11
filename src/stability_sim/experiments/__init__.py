"""Running the model many times: ensembles for the stylized facts (sweeps come later)."""

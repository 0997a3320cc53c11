"""The live visual server (Mesa SolaraViz): ``app`` builds the page, ``render`` the map.

Needs the ``viz`` extra; the model never imports this package.
"""

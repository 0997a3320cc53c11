"""The five agent families of the model, one module each.

``states`` (StateAgent), ``security`` (SecurityForce and the vectorised combat rules),
``jihadists`` (JihadistNetwork, JihadistCell), ``trafficking`` (TraffickingNetwork,
TraffickingCell, routing) and ``responders`` (CSTO, SCO RATS, the NATO link). Agents
import only Mesa, numpy and the foundation modules, never the model.
"""

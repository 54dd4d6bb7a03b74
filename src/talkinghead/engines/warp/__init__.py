"""The default engine: the portrait warped along a landmark mesh, mouth and eyelids drawn."""

"""ccprov's transforms: one module per concern, each a pure function wrapped by Beam.

Nothing is imported here: the extraction child process imports transforms modules and must
not load Beam.
"""

"""Import and export of published data files.

Readers (``fingertips``, ``dfe``, ``template``, ``lait``) turn a file into
chunks of one canonical frame; :mod:`metrics.io.core` validates every chunk and
writes the whole file in one transaction, or nothing. ``export`` writes any
view back out in the Fingertips layout.
"""

"""Bulk registration (``clearance register --bulk LIST``): a studio's library fingerprinted on Ray.

``listing`` reads the list (one file per row, with the asset record's fields); ``remote`` is what
Ray runs (a file's fingerprints from its path, nothing else) and how the job reaches a cluster;
``writing`` logs a batch of fingerprinted files in one transaction; ``job`` drives it all: every
file is identified by its SHA-256 first, so a file already registered, or met earlier in the list,
is skipped and a job started again after a kill registers nothing twice. Ray is imported only here,
and only when a bulk job runs.
"""

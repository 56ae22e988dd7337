"""Fingerprints of registered assets and enrolled people, and the indexes that search them.

The ``embeddings`` package computes fingerprints and runs FAISS; this package
stores them as records (their hash in the log, the data in the database, so
face templates never enter a leaf), keeps the on-disk indexes in step with the
records, and answers match queries.
"""

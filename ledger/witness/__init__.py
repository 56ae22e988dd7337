"""Witnesses: others vouch for the log's checkpoints (C2SP tlog-witness, tlog-cosignature, tlog-policy).

The formats (:mod:`.cosignature`, :mod:`.policy`, :mod:`.wire`) and the witness that anyone can run
(:mod:`.server`, its state in :mod:`.state`) need only the log's note and Merkle code, never its database.
The log's side (:mod:`.client`) submits signed checkpoints and keeps what witnesses return.
"""

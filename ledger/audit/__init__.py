"""Reading the log back, above the features that write it.

``replay`` is ``clearance log verify``: it recomputes the tree, checks every
checkpoint and replays every event into an empty database through the features'
projections (from the composition root's registry) to compare each table.
``views`` turns entries and proofs into what the CLI and the API serve.
"""

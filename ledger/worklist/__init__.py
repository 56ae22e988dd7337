"""A review queue a team works in: filters and sorting, assignment, notes on a check, saved filters.

Every change (an assignment, a note, a saved or deleted filter) is a ``review.*`` event in
the log, projected into the tables of :mod:`ledger.worklist.models`, so the replay audit
compares them like any other table and a note's author and time are proved by the log.
"""

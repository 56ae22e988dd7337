"""Documents people and regulators read: dataset audits, the EU AI Act training summary, bills of materials.

Each module turns the records (and the training policies' decisions) into one
kind of document; nothing here decides anything the policies do not.
"""

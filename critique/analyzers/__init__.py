"""Rule-based analyzers: each reads one kind of raw feedback and returns `Finding`s.

One module per kind of feedback; `maxcode.critique.rules.RuleCritique` picks which ones run from
the evaluation's status.
"""

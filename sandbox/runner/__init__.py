"""The in-sandbox runner (`mcrun.c`) and the Python side of its plan/result protocol."""

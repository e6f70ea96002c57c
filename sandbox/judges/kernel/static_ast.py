"""How a candidate's syntax names things, read the same way by every static check."""

from __future__ import annotations

import ast


def attr_chain(node: ast.AST) -> list[str]:
    """`torch.nn.functional.relu` -> ["torch", "nn", "functional", "relu"]; [] otherwise."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return []


def call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None

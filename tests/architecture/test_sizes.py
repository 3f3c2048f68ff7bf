"""Modules hold one idea and functions stay readable: the limits newcomers can rely on.

A module over 600 lines almost always holds two ideas; a function over 60 lines says in its
docstring why it is kept whole (a literal in the contract's order, one vectorised rule set).
"""

from __future__ import annotations

import ast
from pathlib import Path

import assetmap

PACKAGE = Path(assetmap.__file__).parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in _modules()
        if (lines := path.read_text().count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_long_function_says_why_in_its_docstring() -> None:
    unexplained = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not ast.get_docstring(node):
                unexplained.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert unexplained == []

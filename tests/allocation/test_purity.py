"""allocation/ stays pure Python: no Django, no ORM, no pandas (STYLE.md, issue 3)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "allocation"
FORBIDDEN = {
    "django",
    "pandas",
    "sqlalchemy",
    "sqlmodel",
    "peewee",
    "pony",
    "tortoise",
    "mongoengine",
    "enrollment",  # the Django app: reaching into it would drag Django in
}


def forbidden_imports(source: str) -> list[str]:
    """Top-level names of forbidden modules imported by ``source``, however spelled."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            function = node.func
            called = getattr(function, "attr", None) or getattr(function, "id", None)
            if called in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names = [first.value]
        found.extend(name for name in names if name.split(".")[0] in FORBIDDEN)
    return found


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_modules_to_check():
    names = {path.name for path in modules()}
    assert {"model.py", "io.py", "validate.py", "generate.py", "__main__.py"} <= names


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_it_imports_no_django_orm_or_pandas(path):
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "import pandas as pd",
        "from django.db import models",
        "def f():\n    from sqlalchemy.orm import Session",
        "import importlib\nimportlib.import_module('pandas')",
        "__import__('django.conf')",
        "from enrollment.models import Child",
    ],
)
def test_the_checker_catches_every_spelling(source):
    assert forbidden_imports(source) != []


def test_the_checker_allows_pulp_and_the_standard_library():
    assert forbidden_imports("import pulp\nimport highspy\nfrom decimal import Decimal\n") == []

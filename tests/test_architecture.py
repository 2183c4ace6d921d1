"""The package's shape: Telegram only at the edge, no module over 400 lines, no long functions.

Read from the source's syntax trees, so an import under `TYPE_CHECKING` or inside a function
counts like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from mesobot.config import PROJECT_ROOT

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# The edge that talks to Telegram; the outbox's Telegram sender is mesobot/handlers/outbox.py.
TELEGRAM_EDGE = ("mesobot/handlers/", "mesobot/app.py", "mesobot/update_processor.py", "bot.py")


def _modules() -> Iterator[tuple[str, str, ast.Module]]:
    """Every module of the package, and bot.py: its path from the root, source and tree."""
    paths = [*sorted((PROJECT_ROOT / "mesobot").rglob("*.py")), PROJECT_ROOT / "bot.py"]
    for path in paths:
        source = path.read_text(encoding="utf-8")
        yield path.relative_to(PROJECT_ROOT).as_posix(), source, ast.parse(source, str(path))


def _imported_modules(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    """Every function and method, nested ones included, with its qualified name."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + child.name, child
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def _telegram_imports() -> set[str]:
    return {
        f"{path} imports telegram"
        for path, _source, tree in _modules()
        if not path.startswith(TELEGRAM_EDGE)
        and any(name.split(".")[0] == "telegram" for name in _imported_modules(tree))
    }


def _long_modules() -> set[str]:
    return {
        f"{path} is over {MAX_MODULE_LINES} lines"
        for path, source, _tree in _modules()
        if path.startswith("mesobot/") and len(source.splitlines()) > MAX_MODULE_LINES
    }


def _long_functions() -> set[str]:
    found = set()
    for path, _source, tree in _modules():
        for name, function in _functions(tree):
            assert function.end_lineno is not None
            if function.end_lineno - function.lineno + 1 > MAX_FUNCTION_LINES:
                found.add(f"{path}: {name} is over {MAX_FUNCTION_LINES} lines")
    return found


def test_only_the_telegram_edge_imports_telegram() -> None:
    """Handlers, the app, the update processor and bot.py import telegram; nothing else does."""
    assert _telegram_imports() == set()


def test_no_module_of_the_package_is_over_400_lines() -> None:
    assert _long_modules() == set()


def test_no_function_is_over_60_lines() -> None:
    """From its `def` line to its last line, decorators aside."""
    assert _long_functions() == set()


def test_the_checks_see_imports_under_type_checking_and_inside_functions() -> None:
    """The import walk reaches every place an import can hide."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from telegram import Update\n"
        "def send() -> None:\n    import telegram.ext\n"
    )
    names = set(_imported_modules(ast.parse(source)))
    assert {"telegram", "telegram.ext"} <= names


def test_only_db_py_decides_how_transactions_begin() -> None:
    """No module but mesobot/db.py builds sessions or chooses SQLite's BEGIN mode: callers
    take `Database.read()` or `Database.write()`."""
    offenders = {
        path
        for path, source, _tree in _modules()
        if path != "mesobot/db.py"
        and ("sqlite_begin" in source or "async_sessionmaker(" in source)
    }
    assert offenders == set()


# "session" alone is the database session; a treatment session is an appointment in code (its
# count `session_count`, a planned one a `slot`). SQLAlchemy's event hooks receive the sync
# `Session` behind an AsyncSession: the same database session, so it passes.
DATABASE_SESSION_TYPES = frozenset({"AsyncSession", "Session", "MesobotSession"})


def _misnamed_sessions(path: str, tree: ast.Module) -> set[str]:
    """Parameters called `session` that are no database session, and any called `sessions`."""
    found = set()
    for name, function in _functions(tree):
        assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        arguments = function.args
        for argument in [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *(a for a in (arguments.vararg, arguments.kwarg) if a is not None),
        ]:
            annotation = ast.unparse(argument.annotation) if argument.annotation else "nothing"
            if argument.arg == "session" and annotation not in DATABASE_SESSION_TYPES:
                found.add(f"{path}: {name}(session: {annotation})")
            elif argument.arg == "sessions":
                found.add(f"{path}: {name}(sessions: {annotation})")
    return found


def test_a_parameter_called_session_is_a_database_session() -> None:
    """A treatment session is an `appointment`, a count of them `session_count`."""
    found = set()
    for path, _source, tree in _modules():
        if path.startswith("mesobot/"):
            found |= _misnamed_sessions(path, tree)
    assert found == set()


def test_the_session_check_sees_counts_labels_and_missing_annotations() -> None:
    tree = ast.parse(
        "def count(sessions: int) -> None: ...\n"
        "class Text:\n"
        "    def label(self, *, session: str) -> None: ...\n"
        "async def load(session): ...\n"
        "async def fine(*, session: AsyncSession) -> None: ...\n"
    )
    assert _misnamed_sessions("m.py", tree) == {
        "m.py: count(sessions: int)",
        "m.py: Text.label(session: str)",
        "m.py: load(session: nothing)",
    }


def test_only_handlers_markup_builds_telegram_keyboards() -> None:
    """Keyboards are core rows (`mesobot.screens`); one module turns them into Telegram's."""
    builders = ("InlineKeyboardMarkup(", "InlineKeyboardButton(", "KeyboardButton(")
    offenders = {
        path
        for path, source, _tree in _modules()
        if path != "mesobot/handlers/markup.py" and any(b in source for b in builders)
    }
    assert offenders == set()

"""What every `assetmap` command shares: clear errors for a user's mistakes, the database."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import DBAPIError

from assetmap.db import Database
from assetmap.directory.importing import ImportRejected
from assetmap.errors import AssetmapError

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True)


def user_errors(command: F) -> F:
    """Turn the mistakes a user can make into one clear line and a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ImportRejected as rejected:
            for problem in rejected.problems[:50]:
                click.echo(f"  {problem}", err=True)
            if len(rejected.problems) > 50:
                click.echo(f"  … and {len(rejected.problems) - 50} more", err=True)
            raise click.ClickException(
                f"{len(rejected.problems)} problem(s) found; nothing was imported"
            ) from None
        except AssetmapError as error:
            raise click.ClickException(error.message) from None
        except DBAPIError as error:
            detail = str(error.orig).strip().splitlines()[0]
            if "no such table" in detail or "does not exist" in detail:
                detail += " (run `assetmap init-db` first)"
            raise click.ClickException(f"database error: {detail}") from None
        except json.JSONDecodeError as error:
            raise click.ClickException(
                f"not valid JSON: {error.msg} at line {error.lineno}"
            ) from None

    return wrapper  # type: ignore[return-value]


def open_database(ctx: click.Context) -> Database:
    database = Database(ctx.obj)
    ctx.call_on_close(database.dispose)
    return database


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (silent when not a terminal); yields an advance function."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def write_json_list(records: Iterable[Any], output: Path | None) -> int:
    """Write records as a JSON list, one per line, to ``output`` or standard output, without
    holding them all in memory (an export of 100,000 listings); returns how many."""
    handle = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        handle.write("[")
        for record in records:
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    finally:
        if output:
            handle.close()
    return count

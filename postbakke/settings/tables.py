"""A TOML file's tables as pydantic models, and what is wrong in them said in Danish at
the file's lines.

pydantic checks the types and ranges and collects every problem at once, each with the
keys that lead to it; this module words them ("[smtp] port skal være <the field's
description>, ikke 70000") and finds their lines (tomllib keeps no positions). A value
at fault is left out and the file validated again, so the rest still loads with its
defaults: one error style, every problem with its place.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError


class Severity(StrEnum):
    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong (or worth a look) in postbakke.toml, said in Danish."""

    severity: Severity
    where: str  # "postbakke.toml:12" or "postbakke.toml" when the line is unknown
    message: str
    # "settings" stops every command; "digest" stops making digests, "smtp" sending them;
    # "municipality" stops `scan` (said by Settings.missing_municipality)
    area: str = "settings"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


# The keys from the file's top down to a problem, as pydantic gives them (ints: list items).
Loc = tuple[str | int, ...]
# Error types of our own validators: a value named after a colon ("[digest] sender: 'x' er
# ikke en gyldig e-mailadresse"), or a rule said right after the key ("... skal have ...").
BAD_VALUE, BROKEN_RULE = "bad_value", "broken_rule"


def bad_value(message: str) -> PydanticCustomError:
    return PydanticCustomError(BAD_VALUE, message)


def broken_rule(message: str) -> PydanticCustomError:
    return PydanticCustomError(BROKEN_RULE, message)


class Table(BaseModel):
    """A table of the file: TOML's own types only (no "30" for 30, no true for 1), read-only.

    Keys it does not know are kept aside and warned about (extra="forbid": an error).
    Each field's description is what it must be, in Danish.
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    # What the table's problems stop (ConfigProblem.area), when it is a top-level table.
    area: ClassVar[str] = "settings"
    # How one entry of a table of such tables is named, e.g. "afdelingen '{}'".
    called: ClassVar[str | None] = None

    @classmethod
    def hint(cls, key: str) -> str:
        """More to say of an unknown key (after "bruges ikke")."""
        return ""


def suggestion(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (mente du '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- lines

_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")


def _table_name(header: str) -> str:
    """'digest.departments."Teknik og Miljø"' -> 'digest.departments.Teknik og Miljø'."""
    return re.sub(r"\s*\.\s*", ".", header).replace('"', "").replace("'", "")


class TomlLines:
    """Finds the line of a key or a value in the TOML text, for `file:line` in messages.

    A best effort: the line in the nearest table that holds the value in quotes; else
    the line of the deepest key found (or its `[table.key]` header); else the file alone.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines: list[tuple[int, str, str]] = []  # (line number, table, line)
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = _table_name(header.group(1))
            self.lines.append((number, table, line))

    def has_table(self, name: str) -> bool:
        return any(table == name for _, table, _ in self.lines)

    def where(self, loc: Loc, value: object = None) -> str:
        keys = [str(key) for key in loc if not isinstance(key, int)]
        if isinstance(value, str) and value:
            for depth in range(len(keys), 0, -1):
                table = ".".join(keys[:depth])
                for number, current, line in self.lines:
                    inside = current == table or current.startswith(table + ".")
                    if inside and (f'"{value}"' in line or f"'{value}'" in line):
                        return f"{self.path}:{number}"
        for depth in range(len(keys) - 1, -1, -1):
            table, key = ".".join(keys[:depth]), keys[depth]
            key_form = re.compile(
                rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*=""")
            own_header = f"{table}.{key}" if table else key
            for number, current, line in self.lines:
                if current == table and key_form.match(line):
                    return f"{self.path}:{number}"
            for number, current, line in self.lines:
                if current == own_header and _HEADER.match(line):
                    return f"{self.path}:{number}"
        return str(self.path)


# --------------------------------------------------------------------------- validating

M = TypeVar("M", bound=BaseModel)


def validate(
    model: type[M], data: dict[str, Any], lines: TomlLines, context: object = None
) -> tuple[M, list[ConfigProblem]]:
    """The file's tables as `model`, and every problem in them (errors, then unknown keys).

    What is wrong is left out and the rest validated again, so each bad value falls back
    to its default; what leaving it out causes (a table left without a key it needs, or
    the table around it) is not said again.
    """
    data = copy.deepcopy(data)
    problems: list[ConfigProblem] = []
    left_out: list[Loc] = []
    while True:
        try:
            found = model.model_validate(data, context=context)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                loc = tuple(detail["loc"])
                if not any(_on_one_path(loc, out) for out in left_out):
                    problems.append(_problem(model, detail, lines))
                left_out.append(_leave_out(data, loc))
            continue
        return found, problems + list(_unknown_keys(model, found, lines))


def _on_one_path(loc: Loc, other: Loc) -> bool:
    """Whether one lies inside the other (a table or a key of it)."""
    return loc[:len(other)] == other or other[:len(loc)] == loc


def _leave_out(data: dict[str, Any], loc: Loc) -> Loc:
    """Remove the deepest key on loc's way that the data has; the loc of what was removed."""
    table = data
    for depth, key in enumerate(loc):
        inner = table.get(key) if isinstance(key, str) else None
        following = loc[depth + 1] if depth + 1 < len(loc) else None
        if isinstance(inner, dict) and isinstance(following, str) and following in inner:
            table = inner
        elif key in table:
            del table[key]
            return loc[:depth + 1]
        else:
            break
    raise AssertionError(f"a problem at {loc} that no key of the file holds")


def _problem(model: type[BaseModel], detail: ErrorDetails, lines: TomlLines) -> ConfigProblem:
    loc, kind, value = tuple(detail["loc"]), detail["type"], detail["input"]
    keys = [str(key) for key in loc if not isinstance(key, int)]
    name = _name(model, keys)
    if kind == "extra_forbidden":
        message = _unknown_key(model, keys[:-1], keys[-1])
    elif kind == BAD_VALUE:
        message = f"{name}: {detail['msg']}"
    elif kind == BROKEN_RULE:
        message = f"{name} {detail['msg']}"
    elif kind == "missing":
        message = f"{_name(model, keys[:-1])} mangler {keys[-1]}"
    elif (what := _description(model, keys)) is not None:
        message = f"{name} skal være {what}, ikke {value!r}"
    else:  # not expected: every field says what it must be
        message = f"{name}: {detail['msg']}"
    return ConfigProblem(Severity.ERROR, lines.where(loc, value), message, _area(model, keys))


def _unknown_keys(
    model: type[BaseModel], table: BaseModel, lines: TomlLines, keys: tuple[str, ...] = ()
) -> Iterator[ConfigProblem]:
    """A warning for each key the file has and no table knows, sub-tables included."""
    for key in table.model_extra or {}:
        yield ConfigProblem(Severity.WARNING, lines.where((*keys, key)),
                            _unknown_key(model, list(keys), key), _area(model, [*keys, key]))
    for name, info in type(table).model_fields.items():
        value, key = getattr(table, name), info.alias or name
        if isinstance(value, BaseModel):
            yield from _unknown_keys(model, value, lines, (*keys, key))
        elif isinstance(value, dict):
            for entry, sub in value.items():
                if isinstance(sub, BaseModel):
                    yield from _unknown_keys(model, sub, lines, (*keys, key, entry))


def _unknown_key(model: type[BaseModel], keys: list[str], key: str) -> str:
    table = _table_at(model, keys)
    known = list(_fields(table)) if table else []
    name = _name(model, keys) if keys else ""
    within = "" if not keys else f"for {name} " if _entry(model, keys) else f"i {name} "
    return (f"ukendt nøgle '{key}' {within}bruges ikke{suggestion(key, known)}"
            + (table.hint(key) if table and issubclass(table, Table) else ""))


# --------------------------------------------------------------------------- the model's words

def _unwrap(kind: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(kind) in (Union, types.UnionType):
        rest = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return kind


def _is_table(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _fields(table: type[BaseModel]) -> dict[str, FieldInfo]:
    """The table's fields by the key the file uses."""
    return {info.alias or name: info for name, info in table.model_fields.items()}


def _steps(model: type[BaseModel], keys: Sequence[str]) -> Iterator[tuple[FieldInfo | None, Any]]:
    """For each key the way down: the field it names (None: an entry of a mapping), its type."""
    kind: Any = model
    for key in keys:
        kind = _unwrap(kind)
        if _is_table(kind) and key in _fields(kind):
            info = _fields(kind)[key]
            kind = info.annotation
            yield info, kind
        elif get_origin(kind) is dict:
            kind = get_args(kind)[1]
            yield None, kind
        else:
            return


def _table_at(model: type[BaseModel], keys: Sequence[str]) -> type[BaseModel] | None:
    steps = list(_steps(model, keys))
    kind = _unwrap(steps[-1][1]) if steps else model
    return kind if len(steps) == len(keys) and _is_table(kind) else None


def _description(model: type[BaseModel], keys: Sequence[str]) -> str | None:
    steps = list(_steps(model, keys))
    info = steps[-1][0] if len(steps) == len(keys) and steps else None
    return info.description if info else None


def _entry(model: type[BaseModel], keys: Sequence[str]) -> str | None:
    """The name of the entry the keys lead into ("afdelingen 'Jobcenter'"), if any."""
    for key, (info, kind) in zip(keys, _steps(model, keys), strict=False):
        called = getattr(_unwrap(kind), "called", None)
        if info is None and isinstance(called, str):
            return called.format(key)
    return None


def _name(model: type[BaseModel], keys: Sequence[str]) -> str:
    """How a message names the place: "[smtp] port", "[digest]", "afdelingen 'Jobcenter'"."""
    entry = _entry(model, keys)
    if entry:
        return entry
    if not keys or _table_at(model, keys) is not None:
        return f"[{'.'.join(keys)}]"
    *table, key = keys
    return f"[{'.'.join(table)}] {key}" if table else key


def _area(model: type[BaseModel], keys: Sequence[str]) -> str:
    top = _table_at(model, keys[:1])
    return top.area if top is not None and issubclass(top, Table) else Table.area

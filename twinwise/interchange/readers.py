"""Read and validate the interchange files of INTERCHANGE.md (pure Python, no Django).

Every reader parses and validates the whole file before returning anything, and answers
bad input with one :class:`InterchangeError` naming the line and the field of the first
problem, never a traceback. The JSON Schemas in ``schemas/`` are the contract; this module
adds what JSON Schema cannot say: file encodings, CSV layout, JSON Lines, line numbers,
duplicate ids and size limits.
"""

from __future__ import annotations

import copy
import csv
import datetime
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from twinwise.core.errors import UserFacingError

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest file the readers accept (50 MB)."""

MAX_RECORDS = 2_000_000
"""Most records (lines, rows or list items) one file may hold."""

LIST_SEPARATOR = ";"
"""Separates the items of a list field inside one CSV cell."""

SCHEMAS = ("partnership", "case", "members")

_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive, for example an Excel or Word file"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
_WORD_BREAKS = b" \t\r\n,;\"'"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_BAD_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abAB])")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object { … }",
    "null": "null",
}


class InterchangeError(UserFacingError):
    """Bad input in a file: where it is (``line``, ``field``) and what is wrong (``message``).

    ``str()`` is one line for a person: ``line 7, field counterpart.kind: 'town' is not one
    of city, province, …`` or ``file: the file is empty`` when no line applies.
    """

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        super().__init__(message, line=line, field=field)

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """``{"line", "field", "message"}`` for API error bodies."""
        return {"line": self.line, "field": self.field, "message": self.message}


# --- schemas -----------------------------------------------------------------------------

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("partial-date")
def is_partial_date(value: object) -> bool:
    """True for a real calendar date written YYYY, YYYY-MM or YYYY-MM-DD (non-strings pass)."""
    if not isinstance(value, str):
        return True
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        return False
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        return False
    return True


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    if name not in SCHEMAS:
        raise KeyError(f"unknown schema {name!r}; schemas are {', '.join(SCHEMAS)}")
    path = resources.files(__package__).joinpath("schemas", f"{name}.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


def load_schema(name: str) -> dict[str, Any]:
    """A copy of the JSON Schema ``partnership``, ``case`` or ``members``."""
    return copy.deepcopy(_schema(name))


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(name), format_checker=FORMAT_CHECKER)


# A fast yes/no check compiled from the same schema, about 20x quicker than jsonschema on
# valid records. It may only say "valid" when jsonschema would: whenever it is unsure it
# says "invalid", and jsonschema then decides and explains (see _problem).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
)
_Check = Callable[[Any], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_TESTS: dict[str, _Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),  # 1.0: unsure
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _all(checks: list[_Check]) -> _Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110 - a plain loop is faster than all() here
            if not one(value):
                return False
        return True

    return check


def _key_matcher(pattern: str) -> Callable[[str], bool]:
    if re.fullmatch(r"\^[\w-]+", pattern):  # "^x-": a plain prefix
        prefix = pattern[1:]
        return lambda key: key.startswith(prefix)
    search = re.compile(pattern).search
    return lambda key: search(key) is not None


def _compile(root: dict[str, Any], node: Any, refs: dict[str, _Check]) -> _Check:
    """A function ``value -> bool`` for the schema keywords the interchange schemas use."""
    if node is True or node is False:
        return lambda v, ok=node: ok
    checks: list[_Check] = []
    object_compiled = False
    for keyword, arg in node.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "$ref":
            name = arg.removeprefix("#/$defs/")
            if name not in refs:  # the schemas have no recursive references
                refs[name] = _compile(root, root["$defs"][name], refs)
            checks.append(refs[name])
        elif keyword == "type":
            tests = [_TYPE_TESTS[t] for t in ([arg] if isinstance(arg, str) else arg)]
            if len(tests) == 1:
                checks.append(tests[0])
            else:
                checks.append(lambda v, tests=tests: any(test(v) for test in tests))
        elif keyword in ("enum", "const"):
            allowed = frozenset(arg if keyword == "enum" else [arg])
            if not all(isinstance(a, str) for a in allowed):
                raise ValueError(f"cannot compile {keyword} {arg!r}")
            checks.append(lambda v, allowed=allowed: isinstance(v, str) and v in allowed)
        elif keyword == "pattern":
            search = re.compile(arg).search
            checks.append(lambda v, search=search: not isinstance(v, str) or bool(search(v)))
        elif keyword == "format":
            checks.append(lambda v, f=arg: not isinstance(v, str) or FORMAT_CHECKER.conforms(v, f))
        elif keyword in ("minLength", "maxLength", "minimum", "maximum"):
            is_kind = (lambda v: isinstance(v, str)) if "Length" in keyword else _is_number
            measure = len if "Length" in keyword else (lambda v: v)
            if keyword.startswith("min"):
                checks.append(lambda v, k=is_kind, m=measure, n=arg: not k(v) or m(v) >= n)
            else:
                checks.append(lambda v, k=is_kind, m=measure, n=arg: not k(v) or m(v) <= n)
        elif keyword == "uniqueItems":
            if arg:  # unsure about anything but strings: say invalid, jsonschema decides
                checks.append(
                    lambda v: (
                        not isinstance(v, list)
                        or (all(isinstance(i, str) for i in v) and len(set(v)) == len(v))
                    )
                )
        elif keyword == "items":
            item = _compile(root, arg, refs)
            checks.append(lambda v, item=item: not isinstance(v, list) or all(map(item, v)))
        elif keyword == "required":
            checks.append(
                lambda v, keys=tuple(arg): not isinstance(v, dict) or all(k in v for k in keys)
            )
        elif keyword in ("properties", "patternProperties", "additionalProperties"):
            if not object_compiled:  # one check covers all three keywords
                object_compiled = True
                checks.append(_compile_object(root, node, refs))
        elif keyword in ("anyOf", "allOf"):
            parts = [_compile(root, sub, refs) for sub in arg]
            combine = any if keyword == "anyOf" else all
            checks.append(lambda v, parts=parts, c=combine: c(part(v) for part in parts))
        elif keyword == "not":
            inner = _compile(root, arg, refs)
            checks.append(lambda v, inner=inner: not inner(v))
        elif keyword == "if":
            test = _compile(root, arg, refs)
            then = _compile(root, node.get("then", True), refs)
            other = _compile(root, node.get("else", True), refs)
            checks.append(lambda v, t=test, a=then, b=other: a(v) if t(v) else b(v))
        elif keyword not in ("then", "else"):
            raise ValueError(f"cannot compile keyword {keyword!r}")
    return _all(checks)


def _compile_object(root: dict[str, Any], node: dict[str, Any], refs: dict[str, _Check]) -> _Check:
    properties = {k: _compile(root, sub, refs) for k, sub in node.get("properties", {}).items()}
    patterns = [
        (_key_matcher(p), _compile(root, sub, refs))
        for p, sub in node.get("patternProperties", {}).items()
    ]
    additional = _compile(root, node.get("additionalProperties", True), refs)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            matched = False
            if key in properties:
                matched = True
                if not properties[key](item):
                    return False
            for matches, sub in patterns:
                if matches(key):
                    matched = True
                    if not sub(item):
                        return False
            if not matched and not additional(item):
                return False
        return True

    return check


@functools.cache
def _fast_check(name: str) -> _Check:
    schema = _schema(name)
    return _compile(schema, schema, {})


def _resolve(root: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (keeping sibling keywords) and pick the non-null ``anyOf`` branch."""
    while isinstance(node, dict):
        if "$ref" in node:
            target = root["$defs"][node["$ref"].removeprefix("#/$defs/")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        elif "anyOf" in node:
            branch = next(b for b in node["anyOf"] if b != {"type": "null"})
            node = {**branch, **{k: v for k, v in node.items() if k != "anyOf"}}
        else:
            return node
    return node


@functools.cache
def _fields(name: str) -> dict[str, dict[str, Any]]:
    """Every field of one record as dotted path → resolved schema, in schema order."""
    root = _schema(name)
    top = _resolve(root, root)
    if top.get("type") == "array":
        top = _resolve(root, top["items"])
    out: dict[str, dict[str, Any]] = {"": top}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, sub in node.get("properties", {}).items():
            resolved = _resolve(root, sub)
            out[prefix + key] = resolved
            if resolved.get("type") == "object":
                walk(resolved, f"{prefix}{key}.")

    walk(top, "")
    return out


@functools.cache
def _required_columns(name: str) -> tuple[str, ...]:
    fields = _fields(name)
    out: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key in node.get("required", ()):
            path = prefix + key
            if fields[path].get("type") == "object":
                walk(fields[path], path + ".")
            else:
                out.append(path)

    walk(fields[""], "")
    order = list(fields)
    return tuple(sorted(out, key=order.index))


def csv_columns(name: str) -> list[str]:
    """The CSV columns of schema ``name``: every non-object field as a dotted path, in order."""
    return [path for path, node in _fields(name).items() if path and node.get("type") != "object"]


@functools.cache
def _defaults(name: str) -> tuple[tuple[str, Any], ...]:
    top = _fields(name)[""]
    root = _schema(name)
    return tuple(
        (key, _resolve(root, sub)["default"])
        for key, sub in top.get("properties", {}).items()
        if "default" in _resolve(root, sub)
    )


# --- validation messages -----------------------------------------------------------------


def _show(value: Any) -> str:
    """A short rendering of a value for a message: 'text', 12, true, null, [ … ]."""
    if isinstance(value, str):
        shown = repr(value if len(value) <= 60 else value[:57] + "…")
    elif isinstance(value, bool) or value is None:
        shown = json.dumps(value)
    elif isinstance(value, int | float):
        shown = repr(value)
    else:
        shown = json.dumps(value, ensure_ascii=False, default=str)
        if len(shown) > 60:
            shown = shown[:57] + "…"
    return shown


def _describe(error: ValidationError) -> tuple[str | None, str]:
    """(dotted field, message) for one jsonschema error."""
    path = [str(p) for p in error.absolute_path if not isinstance(p, int)]
    kind, value, instance = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    description = schema.get("description")
    if kind == "required":
        missing = next(name for name in value if name not in instance)
        path.append(missing)
        message = "this field is required"
    elif kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        unknown = next(
            key
            for key in instance
            if key not in known and not any(re.search(p, key) for p in patterns)
        )
        path.append(unknown)
        message = (
            f"unknown field {unknown!r}; the fields here are {', '.join(known)} "
            "(fields of your own must start with x-)"
        )
    elif kind == "enum":
        message = f"{_show(instance)} is not one of {', '.join(str(v) for v in value)}"
    elif kind == "type":
        wanted = [value] if isinstance(value, str) else value
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        message = f"expected {words}, got {_show(instance)}"
    elif kind == "pattern":
        wanted = description or f"text matching {value}"
        message = f"{_show(instance)} is not {wanted}"
    elif kind == "format":
        wanted = "a real calendar date" if value == "partial-date" else f"a valid {value}"
        message = f"{_show(instance)} is not {wanted}"
    elif kind == "minLength":
        message = "must not be empty" if value == 1 else f"must be at least {value} characters"
    elif kind == "maxLength":
        message = f"is too long: {len(instance)} characters, the limit is {value}"
    elif kind == "minimum":
        message = f"{_show(instance)} is below the minimum of {value}"
    elif kind == "maximum":
        message = f"{_show(instance)} is above the maximum of {value}"
    elif kind == "uniqueItems":
        duplicate = next(item for i, item in enumerate(instance) if item in instance[:i])
        message = f"{_show(duplicate)} is listed more than once"
    elif kind == "not" and description:
        message = description
    elif kind in ("anyOf", "oneOf") and error.context:
        # e.g. status: one of the taxonomy ids or null; explain the taxonomy branch
        branch = next((e for e in error.context if e.validator == "enum"), error.context[0])
        return _describe(branch)
    else:  # pragma: no cover - every keyword the schemas use is handled above
        message = error.message
    return (".".join(path) or None), message


def _problem(name: str, instance: Any) -> tuple[str | None, str] | None:
    """The first problem of ``instance`` (unknown fields first, then in field order), or None."""
    if _fast_check(name)(instance):
        return None
    errors = [best_match([error]) for error in _validator(name).iter_errors(instance)]
    if not errors:
        return None
    order = {path: index for index, path in enumerate(_fields(name))}
    described = [_describe(error) for error in errors]

    def rank(index: int) -> tuple[int, int, int]:
        error, (field, _) = errors[index], described[index]
        unknown = 0 if error.validator == "additionalProperties" else 1
        return (unknown, order.get(field or "", len(order)), index)

    return described[min(range(len(errors)), key=rank)]


def validate(name: str, record: Any) -> None:
    """Validate one record (for ``members``: one member) against a schema; InterchangeError if bad."""
    instance = [record] if name == "members" else record
    problem = _problem(name, instance)
    if problem:
        raise InterchangeError(problem[1], field=problem[0])


# --- bytes to text -------------------------------------------------------------------------


def _size_error(size: int) -> InterchangeError:
    mb = 1024 * 1024
    return InterchangeError(
        f"the file is too large: {size / mb:.1f} MB; the limit is {MAX_FILE_BYTES / mb:g} MB"
    )


def _looks_utf16(data: bytes) -> bool:
    sample = data[:512]
    half = len(sample) // 2
    return half >= 2 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.4 * half


def decode_upload(data: bytes, *, name: str) -> str:
    """The text of an uploaded file: UTF-8 (a BOM is dropped), else an InterchangeError."""
    if len(data) > MAX_FILE_BYTES:
        raise _size_error(len(data))
    if name.lower().endswith(_SPREADSHEET_SUFFIXES):
        raise InterchangeError(
            "this is not a text file but a spreadsheet — save it as CSV UTF-8 and try again"
        )
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise InterchangeError(f"this is not a text file (it looks like {what})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        b"\x00" in data[:512] and _looks_utf16(data)
    ):
        raise InterchangeError("the file is UTF-16 — save it as UTF-8 and try again")
    head = data[:8192]
    controls = sum(head.count(bytes([b])) for b in (*range(9), 11, *range(14, 32), 127))
    if b"\x00" in data or controls > max(2, len(head) // 100):
        raise InterchangeError("this is not a text file")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _utf8_error(data, exc.start) from None
    if not text.strip():
        raise InterchangeError("the file is empty")
    return text


def _utf8_error(data: bytes, offset: int) -> InterchangeError:
    line_start = data.rfind(b"\n", 0, offset) + 1
    detail = f"byte 0x{data[offset]:02X} at byte position {offset - line_start + 1} of the line"
    start, end = offset, offset
    while start > line_start and data[start - 1] not in _WORD_BREAKS:
        start -= 1
    while end < len(data) and data[end] not in _WORD_BREAKS:
        end += 1
    word = data[start:end].decode("cp1252", errors="replace")
    if len(word) <= 40:
        detail += f", perhaps {word!r} in Latin-1/Windows-1252"
    return InterchangeError(
        f"the file is not UTF-8 — save it as UTF-8 and try again ({detail})",
        line=data.count(b"\n", 0, offset) + 1,
    )


def detect_format(name: str, text: str) -> str:
    """``"csv"``, ``"jsonl"`` or ``"json"`` (a JSON list, for members), by extension or content."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if suffix in _SPREADSHEET_SUFFIXES:
        raise InterchangeError("spreadsheets are not read directly — save it as CSV UTF-8")
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "jsonl" if head == "{" else "json"
    if head == "[":
        return "json"
    if head == "{":
        return "jsonl"
    first_line = _LINE_BREAK.split(text.lstrip("\ufeff"), maxsplit=1)[0]
    if "," in first_line:
        return "csv"
    raise InterchangeError(
        f"cannot tell the format of {name!r}: use a .csv, .jsonl or .json file name"
    )


# --- parsing ------------------------------------------------------------------------------


class _BadJSON(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _BadJSON(f"the field {key!r} appears more than once", key)
        obj[key] = value
    return obj


def _no_constant(word: str) -> Any:
    raise _BadJSON(f"{word} is not allowed — leave the field out instead")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_constant=_no_constant)


def _unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """(field, problem) for a NUL character or a lone surrogate from a \\u escape."""
    if isinstance(value, str):
        if "\x00" in value:
            return path, "contains a NUL character (\\u0000), which cannot be stored"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, "contains a \\u escape that is not a whole character (a lone surrogate)"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key, path) or _unstorable(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _unstorable(item, path)
            if found:
                return found
    return None


def _check_text(text: str) -> str:
    if len(text) > MAX_FILE_BYTES // 4 and len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise _size_error(len(text.encode("utf-8")))
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InterchangeError("the file is empty")
    return text


def _iter_jsonl(text: str) -> Iterator[tuple[int, Any]]:
    for line_no, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        try:
            record = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            hint = ""
            if line.lstrip().startswith(("[", "{")) and exc.pos >= len(line.rstrip()):
                hint = "; JSON Lines needs each record as one {…} object on a single line"
            raise InterchangeError(
                f"this line is not valid JSON: {exc.msg} (at character {exc.colno}){hint}",
                line=line_no,
            ) from None
        except _BadJSON as exc:
            raise InterchangeError(exc.message, line=line_no, field=exc.field) from None
        except RecursionError:
            raise InterchangeError("this line is nested too deeply", line=line_no) from None
        if not isinstance(record, dict):
            raise InterchangeError(
                f"each line must be one JSON object {{ … }}, got {_show(record)}", line=line_no
            )
        if _BAD_ESCAPE.search(line):
            found = _unstorable(record)
            if found:
                raise InterchangeError(found[1], line=line_no, field=found[0] or None)
        yield line_no, record


def _iter_json_list(text: str, what: str) -> Iterator[tuple[int, Any]]:
    """The items of a JSON list, each with the line on which it starts."""
    counted_to, line_no = 0, 1

    def line_at(pos: int) -> int:
        nonlocal counted_to, line_no
        line_no += text.count("\n", counted_to, pos)
        counted_to = pos
        return line_no

    def skip(pos: int) -> int:
        return _JSON_SPACE.match(text, pos).end()  # type: ignore[union-attr]

    pos = skip(0)
    if text[pos] != "[":
        hint = f"; wrap the {what} in [ and ]" if text[pos] == "{" else ""
        raise InterchangeError(
            f"expected a JSON list [ … ] of {what}, but the file starts with {text[pos]!r}{hint}",
            line=line_at(pos),
        )
    pos = skip(pos + 1)
    if pos < len(text) and text[pos] == "]":  # an empty list
        pos = skip(pos + 1)
        if pos < len(text):
            raise InterchangeError(
                "there is more text after the end of the list", line=line_at(pos)
            )
    while pos < len(text):
        item_line = line_at(pos)
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InterchangeError(
                f"the file is not valid JSON: {exc.msg} (at character {exc.colno})",
                line=exc.lineno,
            ) from None
        except _BadJSON as exc:
            raise InterchangeError(exc.message, line=item_line, field=exc.field) from None
        except RecursionError:
            raise InterchangeError("this item is nested too deeply", line=item_line) from None
        found = _unstorable(item)
        if found:
            raise InterchangeError(found[1], line=item_line, field=found[0] or None)
        yield item_line, item
        pos = skip(pos)
        if pos >= len(text):
            raise InterchangeError("the list is not closed: ] is missing", line=line_at(pos))
        if text[pos] == ",":
            pos = skip(pos + 1)
            if pos < len(text) and text[pos] == "]":
                raise InterchangeError(
                    "there is a comma after the last item; remove it", line=line_at(pos)
                )
        elif text[pos] == "]":
            pos = skip(pos + 1)
            if pos < len(text):
                raise InterchangeError(
                    "there is more text after the end of the list", line=line_at(pos)
                )
        else:
            raise InterchangeError(
                f"expected , or ] after an item, found {text[pos]!r}", line=line_at(pos)
            )


_CSV_PROBLEMS = {
    "unexpected end of data": 'a quote (") opened in this row is never closed',
    "line contains NUL": "this row contains a NUL character",
}


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if text in _CSV_PROBLEMS:
        return _CSV_PROBLEMS[text]
    if "expected after '\"'" in text:
        return (
            'a quote (") is followed by more text in the same cell; to put a quote inside '
            'a cell, quote the whole cell and double the quote ("")'
        )
    return f"this row is not valid CSV: {text}"


def _convert(cell: str, node: dict[str, Any], line: int, column: str) -> Any:
    kind = node.get("type")
    if kind == "array":
        item = node.get("items", {})
        return [
            _convert(part.strip(), item, line, column)
            for part in cell.split(LIST_SEPARATOR)
            if part.strip()
        ]
    if kind == "integer":
        if _INTEGER.fullmatch(cell):
            return int(cell)
        raise InterchangeError(f"{cell!r} is not a whole number", line=line, field=column)
    if kind == "number":
        if _INTEGER.fullmatch(cell):
            return int(cell)
        if _DECIMAL.fullmatch(cell) and math.isfinite(float(cell)):
            return float(cell)
        hint = " (write decimals with a dot, such as 50.08)" if "," in cell else ""
        raise InterchangeError(f"{cell!r} is not a number{hint}", line=line, field=column)
    if kind == "boolean":
        if cell.lower() in _BOOLEANS:
            return _BOOLEANS[cell.lower()]
        raise InterchangeError(f"{cell!r} is not true or false", line=line, field=column)
    return cell


def _csv_header(cells: list[str], line: int, name: str) -> list[str]:
    fields = _fields(name)
    columns = csv_columns(name)
    objects = {path for path, node in fields.items() if path and node.get("type") == "object"}
    header = [cell.strip() for cell in cells]
    if len(header) == 1:
        for separator, word in ((";", "semicolons"), ("\t", "tabs")):
            if separator in header[0]:
                raise InterchangeError(
                    f"the columns are separated by {word} — save the file as comma-separated "
                    "CSV (UTF-8) and try again",
                    line=line,
                )
    seen: dict[str, int] = {}
    for number, column in enumerate(header, start=1):
        if not column:
            raise InterchangeError(f"column {number} has no name", line=line)
        if column in seen:
            raise InterchangeError(
                f"the column {column!r} appears twice (columns {seen[column]} and {number})",
                line=line,
                field=column,
            )
        seen[column] = number
        parent, _, last = column.rpartition(".")
        if (
            column in columns
            or column.startswith("x-")
            or (parent in objects and last.startswith("x-"))
        ):
            continue
        raise InterchangeError(
            f"unknown column {column!r}; the columns are {', '.join(columns)} "
            "(columns of your own must start with x-)",
            line=line,
            field=column,
        )
    missing = [column for column in _required_columns(name) if column not in seen]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InterchangeError(
            f"required column{plural} {', '.join(missing)} missing from the header",
            line=line,
            field=missing[0],
        )
    return header


def _iter_csv(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    fields = _fields(name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    start = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InterchangeError(_csv_problem(exc), line=start) from None
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = _csv_header(cells, start, name)
            continue
        if len(cells) != len(header):
            raise InterchangeError(
                f"this row has {len(cells)} cells but the header has {len(header)} columns",
                line=start,
            )
        record: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=True):
            value: Any = cell.strip()
            if not value:
                continue
            node = fields.get(column)
            if node is not None:
                value = _convert(value, node, start, column)
            parent, _, key = column.rpartition(".")
            target = record
            if node is not None or (parent and not column.startswith("x-")):
                for part in parent.split(".") if parent else ():
                    target = target.setdefault(part, {})
            else:
                key = column
            target[key] = value
        yield start, record


# --- readers ------------------------------------------------------------------------------


def _collect(
    rows: Iterable[tuple[int, Any]], name: str, key_field: str
) -> list[tuple[int, dict[str, Any]]]:
    """Validate every row in order; raise the first problem; apply top-level defaults."""
    out: list[tuple[int, dict[str, Any]]] = []
    seen: dict[Any, int] = {}
    defaults = _defaults(name)
    for line, record in rows:
        if len(out) >= MAX_RECORDS:
            raise InterchangeError(
                f"the file is too large: it has more than {MAX_RECORDS:,} records; "
                f"the limit is {MAX_RECORDS:,} records"
            )
        problem = _problem(name, [record] if name == "members" else record)
        if problem:
            raise InterchangeError(problem[1], line=line, field=problem[0])
        key = record[key_field]
        if key in seen:
            raise InterchangeError(
                f"{_show(key)} is used twice, on line {seen[key]} and on line {line}; "
                f"each record needs its own {key_field}",
                line=line,
                field=key_field,
            )
        seen[key] = line
        for field, value in defaults:
            record.setdefault(field, value)
        out.append((line, record))
    return out


def read_partnerships(text: str, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    """Partnerships from CSV (``fmt="csv"``) or JSON Lines (``"jsonl"``) as (line, record)."""
    text = _check_text(text)
    if fmt == "csv":
        return _collect(_iter_csv(text, "partnership"), "partnership", "external_id")
    if fmt == "jsonl":
        return _collect(_iter_jsonl(text), "partnership", "external_id")
    raise InterchangeError(f"partnerships must be CSV or JSON Lines, not {fmt!r}")


def read_cases(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Cases from JSON Lines as (line, record)."""
    return _collect(_iter_jsonl(_check_text(text)), "case", "external_id")


def read_members(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Members from a JSON list as (line where the item starts, record)."""
    return _collect(_iter_json_list(_check_text(text), "members"), "members", "slug")

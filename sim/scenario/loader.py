"""Load a scenario from YAML (or a dict) and turn every problem into a message a user can act on.

Only ``yaml.SafeLoader`` is used: no tag can construct Python objects or run code. The YAML is
composed once into a node tree, so each validation error's field path can be mapped back to the
line and column where the user wrote it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.schema import Scenario

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ScenarioError(ValueError):
    """A scenario is invalid. ``problems`` lists each problem; ``str()`` shows one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_scenario(source: str | Path | Mapping[str, Any], *, overrides: list[str] | None = None):
    """Load and validate a scenario.

    Args:
        source: a YAML file path, the name of a shipped scenario, or an already-parsed mapping.
        overrides: ``PATH=VALUE`` strings applied before validation (see ``apply_override``).

    Returns:
        A validated ``Scenario``.

    Raises:
        ScenarioError: with one readable ``Problem`` per thing wrong.
    """
    if isinstance(source, Mapping):
        data, marks, label = dict(source), {}, "<scenario>"
    else:
        path = resolve_scenario_path(source)
        label = str(source)
        data, marks = _read_yaml(path, label)
    for text in overrides or []:
        data = apply_override(data, text, label)
    return validate_scenario(data, label, marks)


def resolve_scenario_path(source: str | Path) -> Path:
    """A file path as given, or the path of a shipped scenario of that name."""
    path = Path(source)
    if path.exists():
        return path
    shipped = shipped_scenarios_dir() / f"{source}.yaml"
    if shipped.exists():
        return shipped
    raise ScenarioError(
        [Problem(str(source), None, None, "", "no such file, and no shipped scenario by that name")]
    )


def shipped_scenarios_dir() -> Path:
    """The folder of scenarios that ship with Value Matrix."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def validate_scenario(
    data: Any, label: str = "<scenario>", marks: dict[tuple, tuple[int, int]] | None = None
) -> Scenario:
    """Validate parsed data against the schema, mapping errors to file, line and field."""
    marks = marks or {}
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(
            [Problem(label, 1, 1, "", f"a scenario must be a mapping of keys, this file is {kind}")]
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_problem(label, marks, err) for err in exc.errors()]) from None


def scenario_hash(scenario: Scenario) -> str:
    """Stable SHA-256 of the validated scenario (its canonical JSON)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def apply_override(data: dict, text: str, label: str = "--set") -> dict:
    """Apply one ``dotted.path=VALUE`` override; VALUE is read as YAML (``8.5``, ``false``)."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", None, None, text, "expected PATH=VALUE")])
    path_text, value_text = text.split("=", 1)
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else ""
    except yaml.YAMLError as exc:
        raise ScenarioError(
            [Problem("--set", None, None, path_text, f"value is not valid YAML: {exc}")]
        ) from None
    keys = [int(k) if re.fullmatch(r"\d+", k) else k for k in path_text.strip().split(".")]
    data = json.loads(json.dumps(data))  # deep copy of plain data
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        nxt = _child(node, key)
        if nxt is None:
            if isinstance(node, dict) and isinstance(key, str):
                nxt = node[key] = {}
            else:
                where = ".".join(map(str, keys[: depth + 1]))
                raise ScenarioError([Problem("--set", None, None, where, "no such item")])
        node = nxt
    last = keys[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ScenarioError([Problem("--set", None, None, path_text, "no such list item")])
        node[last] = value
    elif isinstance(node, dict):
        node[str(last)] = value
    else:
        raise ScenarioError([Problem("--set", None, None, path_text, "cannot set inside a value")])
    return data


def _child(node: Any, key: str | int) -> Any:
    if isinstance(node, list) and isinstance(key, int):
        return node[key] if key < len(node) else None
    if isinstance(node, dict):
        return node.get(str(key))
    return None


def _read_yaml(path: Path, label: str) -> tuple[Any, dict[tuple, tuple[int, int]]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                [Problem(label, None, None, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(label, None, None, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(label, None, None, "", "not a text file (not UTF-8)")]) from None
    if "\x00" in text:
        raise ScenarioError([Problem(label, None, None, "", "not a text file (contains NUL bytes)")])
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            marks: dict[tuple, tuple[int, int]] = {}
            _index_marks(node, (), marks, [0])
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError([Problem(label, line, col, "", f"YAML syntax error: {msg}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(label, None, None, "", f"YAML error: {exc}")]) from None
    return data, marks


def _index_marks(node: yaml.Node, path: tuple, marks: dict, count: list[int]) -> None:
    """Record (line, column) of every node by its key path; refuse alias bombs."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise ScenarioError(
            [Problem("<yaml>", None, None, "", f"document expands to more than {MAX_NODES} nodes")]
        )
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            marks[path + (key, "<key>")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index_marks(value_node, path + (key,), marks, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_marks(item, path + (i,), marks, count)


def _problem(label: str, marks: dict, err: dict) -> Problem:
    loc = tuple(str(x) if not isinstance(x, int) else x for x in err["loc"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not loc:
        # Cross-field checks name their own path at the start of the message.
        m = re.match(r"^([\w.]+): (.*)$", msg, re.S)
        if m:
            loc = tuple(int(p) if p.isdigit() else p for p in m.group(1).split("."))
            msg = m.group(2)
    if err["type"] == "extra_forbidden":
        marks_key = loc + ("<key>",)
        line_col = marks.get(loc[:-1] + (loc[-1], "<key>")) or marks.get(loc)
        msg = f"unknown key {loc[-1]!r}{_suggest_key(err, loc)}"
        del marks_key
    else:
        line_col = _nearest_mark(marks, loc)
    path = ".".join(str(x) for x in loc)
    line, col = line_col if line_col else (None, None)
    return Problem(label, line, col, path, msg)


def _suggest_key(err: dict, loc: tuple) -> str:
    import difflib

    from sim.scenario import schema

    model = _model_at(schema.Scenario, loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(model: Any, loc: tuple) -> Any:
    import typing

    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        ann = field.annotation
        for arg in (ann, *typing.get_args(ann)):
            if hasattr(arg, "model_fields"):
                model = arg
                break
        else:
            return None
    return model


def _nearest_mark(marks: dict, loc: tuple) -> tuple[int, int] | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in marks:
            return marks[loc[:cut]]
    return None

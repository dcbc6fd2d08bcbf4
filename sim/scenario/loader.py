"""Load a scenario from YAML (or a dict) and turn every problem into a message a user can act on.

Only ``yaml.SafeLoader`` is used: no tag can construct Python objects or run code. The YAML is
composed once into a node tree, so each validation error's field path can be mapped back to the
line and column where the user wrote it. Files are refused fast when they are too big, nest too
deeply or expand (through aliases) to too many nodes, before anything is constructed.

Order of application: the file, then the ``--preset`` chosen from its ``presets:``, then each
``--set`` override; the result is validated once and every problem is reported together.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.budget import describe_customers_limit
from sim.scenario.schema import CrossFieldError, Scenario, cross_field_problems
from sim.scenario.schema import did_you_mean as _did_you_mean

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40

Loc = tuple[str | int, ...]


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


def load_scenario(
    source: str | Path | Mapping[str, Any],
    *,
    overrides: list[str] | None = None,
    preset: str | None = None,
) -> Scenario:
    """Load and validate a scenario.

    Args:
        source: a YAML file path, the name of a shipped scenario, or an already-parsed mapping.
        overrides: ``PATH=VALUE`` strings applied last (see ``apply_override``).
        preset: name of one of the file's ``presets:``, applied before ``overrides``.

    Returns:
        A validated ``Scenario``.

    Raises:
        ScenarioError: with one readable ``Problem`` per thing wrong.
    """
    if isinstance(source, Mapping):
        data, marks, label = copy.deepcopy(dict(source)), {}, "<scenario>"
        folder = None  # a mapping (e.g. a sweep's variant of a loaded file): see load_plugins_key
    else:
        path = resolve_scenario_path(source)
        label = str(source)
        data, marks = read_yaml(path, label)
        folder = path.resolve().parent
    load_plugins_key(data, folder, label, marks)
    overridden: dict[Loc, str] = {}
    if preset is not None:
        data = apply_preset(data, preset, label, marks, overridden)
    for text in overrides or []:
        data = apply_override(data, text, label)
        overridden[_parse_path(text.split("=", 1)[0])] = f"--set {text}"
    return validate_scenario(data, label, marks, overridden)


def load_plugins_key(data: Any, folder: Path | None, label: str, marks: dict | None = None) -> None:
    """Import the modules a scenario's ``plugins:`` names, relative to its folder.

    Done before validation, so that the strategies they register are known when the firms'
    ``strategy`` blocks are checked. A plugin that is missing or fails to import is a problem
    of the ``plugins`` key (file:line); a malformed key is left to the schema to report. A
    mapping has no folder (``folder`` None): a plugin this process already imported (the
    mapping is a variant of a loaded file, as in a sweep) is taken as it is; others are looked
    up from the current folder.
    """
    entries = data.get("plugins") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return
    from sim import plugins

    problems = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, str):
            continue  # the schema says what is wrong with it
        if folder is None and Path(entry.strip()).stem in plugins.LOADED:
            continue
        try:
            plugins.load([entry], folder or Path.cwd())
        except plugins.PluginError as exc:
            line, col = (marks or {}).get(("plugins", i), (None, None))
            problems.append(Problem(label, line, col, f"plugins.{i}", str(exc)))
    if problems:
        raise ScenarioError(problems)


def resolve_scenario_path(source: str | Path) -> Path:
    """A file path as given, or the path of a shipped scenario of that name."""
    path = Path(source)
    if path.is_file():
        return path
    if path.exists():
        raise ScenarioError([Problem(str(source), None, None, "", "is a folder, not a scenario file")])
    shipped = shipped_scenarios_dir() / f"{source}.yaml"
    if "/" not in str(source) and shipped.is_file():
        return shipped
    names = [p.stem for p in shipped_scenarios_dir().glob("*.yaml")]
    hint = _did_you_mean(str(source), names)
    raise ScenarioError(
        [Problem(str(source), None, None, "",
                 f"no such file, and no shipped scenario by that name{hint} (see `cvm list`)")]
    )


def shipped_scenarios_dir() -> Path:
    """The folder of scenarios that ship with Value Matrix."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def validate_scenario(
    data: Any,
    label: str = "<scenario>",
    marks: dict[Loc, tuple[int, int]] | None = None,
    overridden: dict[Loc, str] | None = None,
) -> Scenario:
    """Validate parsed data against the schema, mapping every error to file, line and field.

    Field errors and cross-field problems are reported together, sorted by line.
    """
    marks = marks or {}
    if not isinstance(data, Mapping):
        kinds = {list: "a list", str: "a single piece of text", int: "a single number",
                 float: "a single number", bool: "a single yes/no value"}
        kind = "empty" if data is None else kinds.get(type(data), f"a {type(data).__name__}")
        raise ScenarioError(
            [Problem(label, 1, 1, "", f"a scenario must be a mapping of keys, this file is {kind}")]
        )
    located: list[tuple[Loc, str, str]] = []  # (loc, message, error type)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        cross_seen = False
        for err in exc.errors():
            error = (err.get("ctx") or {}).get("error")
            if isinstance(error, CrossFieldError):
                cross_seen = True
                located += [(loc, msg, "cross") for loc, msg in error.problems]
            else:
                located += _strategy_parameter_errors(err) or [_field_error(err)]
        located = _drop_missing_explained_by_typos(located)
        if not cross_seen:
            # Field errors stop pydantic before the cross-field checks: run them on the raw data.
            located += [(loc, msg, "cross") for loc, msg in _raw_cross_field_problems(data)]
    else:
        located += [(loc, msg, "cross") for loc, msg in strategy_problems(scenario)]
        if not located:
            return scenario
    problems = [_locate(label, marks, overridden or {}, *item) for item in located]
    raise ScenarioError(_sorted_unique(problems))


def _raw_cross_field_problems(data: Any) -> list[tuple[Loc, str]]:
    """Cross-field checks on data that already failed field validation: best effort only.

    The field errors are already being reported; a check that trips over a badly typed value
    (a list where a name should be) must not turn them into a crash.
    """
    try:
        return cross_field_problems(data)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return []


def strategy_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Unknown strategy names and parameters, checked against the policy registry."""
    try:
        from agents.strategies import base
    except ImportError:  # pragma: no cover - the agents package is part of the project
        return []
    registry = getattr(base, "_REGISTRY", None)
    if not registry:
        return []
    import inspect

    out: list[tuple[Loc, str]] = []
    known = sorted(registry)
    for i, firm in enumerate(scenario.firms):
        kind = firm.strategy.type
        if kind not in registry:
            out.append(((("firms", i, "strategy", "type")),
                        f"unknown strategy {kind!r}{_did_you_mean(kind, known)}; "
                        f"known: {', '.join(known)}"))
            continue
        try:
            params = inspect.signature(registry[kind]).parameters
        except (TypeError, ValueError):
            continue
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue
        for key in firm.strategy.params:
            if key not in params:
                takes = ", ".join(params) or "no parameters"
                out.append((("firms", i, "strategy", key),
                            f"strategy {kind!r} does not take {key!r}"
                            f"{_did_you_mean(key, list(params))}; it takes {takes}"))
    return out


def scenario_hash(scenario: Scenario) -> str:
    """Stable SHA-256 of the validated scenario (its canonical JSON).

    ``outputs`` (extra tables such as the consumer panel) is left out: it changes no result;
    so is an empty ``plugins`` list (the hashes of scenarios without plugins stay as they were).
    """
    data = scenario.model_dump(mode="json", exclude={"outputs"})
    if not data.get("plugins"):
        data.pop("plugins", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# -- presets and overrides ---------------------------------------------------------------------
def apply_preset(data: Any, name: str, label: str, marks: dict | None = None,
                 overridden: dict[Loc, str] | None = None) -> Any:
    """Apply the file's preset ``name`` (a mapping of dotted paths to values)."""
    presets = data.get("presets") if isinstance(data, Mapping) else None
    if not isinstance(presets, Mapping) or name not in presets:
        available = list(presets) if isinstance(presets, Mapping) else []
        listing = f"; this file has: {', '.join(map(str, available))}" if available else (
            "; this file defines no presets")
        raise ScenarioError([Problem(label, None, None, "presets",
                                     f"no preset {name!r}{_did_you_mean(name, available)}{listing}")])
    chosen = presets[name]
    if not isinstance(chosen, Mapping):
        line_col = (marks or {}).get(("presets", name))
        line, col = line_col or (None, None)
        raise ScenarioError([Problem(label, line, col, f"presets.{name}",
                                     "a preset must map dotted paths to values")])
    for path_text, value in chosen.items():
        data = set_path(data, _parse_path(str(path_text)), value, f"--preset {name}")
        if overridden is not None:
            overridden[_parse_path(str(path_text))] = f"--preset {name} ({path_text})"
    return data


def apply_override(data: Any, text: str, label: str = "--set") -> Any:
    """Apply one ``dotted.path=VALUE`` override; VALUE is read as YAML (``8.5``, ``false``)."""
    if "=" not in text or not text.split("=", 1)[0].strip():
        raise ScenarioError([Problem(f"--set {text}", None, None, "",
                                     "expected PATH=VALUE, e.g. market.customers=2000")])
    path_text, value_text = text.split("=", 1)
    keys = _parse_path(path_text)
    value = parse_override_value(path_text.strip(), value_text, keys, f"--set {text}")
    return set_path(data, keys, value, f"--set {text}")


def parse_override_value(path_text: str, value_text: str, keys: Loc = (),
                         label: str = "") -> Any:
    """A ``--set`` value read as YAML under the same limits (size, depth, aliases, tags) as a file."""
    label = label or f"--set {path_text}={value_text}"
    if not value_text.strip():
        return ""
    size = len(value_text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise ScenarioError([Problem(label, None, None, path_text,
                                     f"value is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")])
    try:
        value, _ = parse_yaml_text(value_text, label, keys or _parse_path(path_text))
    except ScenarioError as exc:
        problems = [dataclasses.replace(
            p, line=None, column=None, path=p.path or path_text,
            message=p.message.replace("the document", "the value").replace(
                "YAML syntax error: ", "value is not valid YAML: "))
            for p in exc.problems]
        raise ScenarioError(problems) from None
    return value


def set_path(data: Any, keys: Loc, value: Any, origin: str) -> Any:
    """A copy of ``data`` with the item at ``keys`` set to ``value`` (mappings created as needed)."""
    data = copy.deepcopy(data)
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        nxt = _child(node, key)
        if nxt is None:
            if isinstance(node, dict) and not isinstance(key, int):
                nxt = node[key] = {}
            else:
                where = ".".join(map(str, keys[: depth + 1]))
                why = (f"no such list item (the list has {len(node)})" if isinstance(node, list)
                       else "no such item")
                raise ScenarioError([Problem(origin, None, None, where, why)])
        node = nxt
    last = keys[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            where = ".".join(map(str, keys))
            raise ScenarioError([Problem(origin, None, None, where,
                                         f"no such list item (the list has {len(node)})")])
        node[last] = value
    elif isinstance(node, dict):
        node[str(last)] = value
    else:
        raise ScenarioError([Problem(origin, None, None, ".".join(map(str, keys)),
                                     "cannot set inside a single value")])
    return data


def _parse_path(text: str) -> Loc:
    return tuple(int(k) if re.fullmatch(r"\d+", k) else k for k in text.strip().split("."))


def _child(node: Any, key: str | int) -> Any:
    if isinstance(node, list) and isinstance(key, int):
        return node[key] if key < len(node) else None
    if isinstance(node, dict):
        return node.get(str(key))
    return None


# -- reading YAML safely ---------------------------------------------------------------------
def read_yaml(path: Path, label: str) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse a YAML file safely; returns the data and the (line, column) of every node path."""
    def fail(message: str, line: int | None = None, col: int | None = None):
        return ScenarioError([Problem(label, line, col, "", message)])

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise fail("not a text file (it contains NUL bytes); a scenario is a YAML text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not a UTF-8 text file (byte {exc.start} cannot be decoded)") from None
    return parse_yaml_text(text, label)


class ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also reads ``1e6``, ``2E-3`` and ``+5e2`` as numbers.

    PyYAML follows YAML 1.1, where a float needs a dot (``1.0e6``), so ``costs: {fixed: 1e6}``
    would arrive as the text ``'1e6'`` and be refused as "not a number". YAML 1.2 (and every
    other tool a user is likely to check a file with) reads it as a number; so does this loader.
    """


ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_yaml_text(text: str, label: str, prefix: Loc = ()) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse YAML text under the same limits as a file: depth, size through aliases, plain tags.

    ``prefix`` is the key path the text sits at (a ``--set`` value), used to name the field.
    """
    def fail(message: str, line: int | None = None, col: int | None = None, path: str = ""):
        return ScenarioError([Problem(label, line, col, path, message)])

    try:
        loader = ScenarioLoader(text)
    except yaml.YAMLError as exc:  # a character YAML does not allow (reader error)
        raise fail(f"YAML syntax error: {exc}") from None
    try:
        _check_depth(text, label)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        marks: dict[Loc, tuple[int, int]] = {}
        duplicates: list[Problem] = []
        _index_marks(node, prefix, marks, [0], duplicates, label)
        if duplicates:
            raise ScenarioError(duplicates)
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        line, col = _mark(exc)
        tag = re.search(r"tag '([^']*)'", str(exc.problem or ""))
        if tag:
            shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            raise fail(f"YAML tag {shown!r} is not allowed: a scenario is plain data (mappings, "
                       "lists, numbers, text) and cannot create objects", line, col) from None
        raise fail(f"YAML error: {_yaml_text(exc)}", line, col) from None
    except yaml.MarkedYAMLError as exc:
        line, col = _mark(exc)
        hint = " (indent YAML with spaces, not tabs)" if "'\\t'" in _yaml_text(exc) else ""
        raise fail(f"YAML syntax error: {_yaml_text(exc)}{hint}", line, col) from None
    except yaml.YAMLError as exc:
        raise fail(f"YAML error: {exc}") from None
    except RecursionError:
        raise fail(f"the document nests more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    return data, marks


def _check_depth(text: str, label: str) -> None:
    """Refuse deep nesting from the event stream (iterative), before the recursive composer."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise ScenarioError([Problem(
                    label, mark.line + 1, mark.column + 1, "",
                    f"the document nests more than {MAX_DEPTH} levels deep; refused")])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _mark(exc: yaml.MarkedYAMLError) -> tuple[int | None, int | None]:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (None, None)


def _yaml_text(exc: yaml.MarkedYAMLError) -> str:
    return " ".join(str(x) for x in (exc.context, exc.problem) if x)


def _index_marks(node: yaml.Node, path: Loc, marks: dict, count: list[int],
                 duplicates: list[Problem], label: str) -> None:
    """Record (line, column) of every node by its key path; refuse alias bombs and deep nesting."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise ScenarioError([Problem(
            label, None, None, "",
            f"the document expands to more than {MAX_NODES:,} values (through aliases or sheer "
            "size); refused")])
    if len(path) > MAX_DEPTH:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        raise ScenarioError([Problem(label, line, col, "",
                                     f"the document nests more than {MAX_DEPTH} levels deep; refused")])
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    _check_tag(node, path, label)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping used as a key: the constructor reports it
            key = key_node.value
            _check_tag(key_node, path + (key,), label)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                where = ".".join(map(str, path + (key,)))
                duplicates.append(Problem(label, line, key_node.start_mark.column + 1, where,
                                          f"key {key!r} appears twice (first on line {seen[key]})"))
            seen.setdefault(key, line)
            marks.setdefault(path + (key, "<key>"), (line, key_node.start_mark.column + 1))
            _index_marks(value_node, path + (key,), marks, count, duplicates, label)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_marks(item, path + (i,), marks, count, duplicates, label)


_PLAIN = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_PLAIN + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))


def _check_tag(node: yaml.Node, path: Loc, label: str) -> None:
    """Refuse every YAML tag but plain text, numbers, yes/no, null, lists and mappings.

    ``!!binary``, ``!!set`` (its order follows string hashing, so runs would not reproduce),
    dates, ``!!python/...`` and custom tags all make something other than plain data.
    """
    tag = node.tag or ""
    if tag in ALLOWED_TAGS or (tag == _PLAIN + "merge" and isinstance(node, yaml.ScalarNode)):
        return
    if tag == _PLAIN + "timestamp" and not _explicitly_tagged(node):
        return  # an unquoted date: the schema refuses it with a hint to quote it
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    where = ".".join(map(str, path))
    if tag == _PLAIN + "timestamp":
        msg = "YAML tag '!!timestamp' is not allowed: a scenario has no dates (quote it for text)"
    else:
        shown = tag.replace(_PLAIN, "!!")
        msg = (f"YAML tag {shown!r} is not allowed: a scenario is plain data (mappings, lists, "
               "numbers, text) and cannot create objects")
    raise ScenarioError([Problem(label, line, col, where, msg)])


def _explicitly_tagged(node: yaml.Node) -> bool:
    """Whether the node was written with a ``!tag`` (rather than resolved from its text)."""
    mark = node.start_mark
    buffer = getattr(mark, "buffer", None)
    return bool(buffer) and 0 <= mark.pointer < len(buffer) and buffer[mark.pointer] == "!"


# -- turning pydantic errors into problems -----------------------------------------------------
def _field_error(err: dict) -> tuple[Loc, str, str]:
    loc = tuple(x if isinstance(x, int) else str(x) for x in err["loc"])
    kind = err["type"]
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "extra_forbidden":
        msg = f"unknown key {loc[-1]!r}{_suggest_key(loc)}"
    elif kind == "missing":
        msg = f"required key {loc[-1]!r} is missing"
    elif kind in ("finite_number",):
        msg = "must be a finite number (NaN and infinities are refused)"
    elif kind in ("float_type", "int_type") and isinstance(err.get("input"), str):
        # strict types: text is never read as a number, even text that looks like one
        value = err["input"]
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        what = "a valid number" if kind == "float_type" else "a valid integer"
        try:
            float(value)
        except ValueError:
            msg = f"input should be {what}, unable to parse string as a number (got {shown})"
        else:
            msg = f"input should be {what}, not text (got {shown}; remove the quotes)"
    else:
        msg = msg[:1].lower() + msg[1:]
        value = err.get("input")
        if isinstance(value, datetime.date):
            msg = f"{msg} (got the date {value.isoformat()}; quote it to make it text)"
        elif isinstance(value, int | float | str | bool):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            hint = ""
            if kind in ("literal_error", "enum") and isinstance(value, str):
                choices = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
                hint = _did_you_mean(value, choices).replace(" (", "; ", 1).rstrip(")")
            msg = f"{msg} (got {shown}{hint})"
        if loc == ("market", "customers") and kind == "less_than_equal":
            msg += "; " + describe_customers_limit(value)
    return loc, msg, kind


def _strategy_parameter_errors(err: dict) -> list[tuple[Loc, str, str]]:
    """A strategy block refused by its policy's ``Params`` model, one problem per parameter.

    The registry reports all of a policy's parameter errors as one message; validating the
    block here again gives each its own path (and line), and unknown parameters a suggestion.
    """
    loc, block = tuple(err["loc"]), err.get("input")
    if not loc or loc[-1] != "strategy" or err["type"] != "value_error" or not isinstance(
            block, Mapping):
        return []
    try:
        from agents.strategies import base

        params_model = getattr(base._REGISTRY.get(block.get("type")), "Params", None)
    except (ImportError, AttributeError, TypeError):
        return []
    if params_model is None:
        return []
    params = {k: v for k, v in block.items() if k != "type"}
    try:
        params_model.model_validate(params)
    except ValidationError as exc:
        out = []
        for sub in exc.errors():
            sub_loc = loc + tuple(sub["loc"])
            if sub["type"] == "extra_forbidden":
                name = str(sub["loc"][-1])
                takes = ", ".join(params_model.model_fields) or "no parameters"
                out.append((sub_loc, f"strategy {block.get('type')!r} has no parameter {name!r}"
                            f"{_did_you_mean(name, list(params_model.model_fields))}; "
                            f"it takes {takes}", "extra_forbidden"))
            else:
                out.append(_field_error({**sub, "loc": sub_loc}))
        return out
    return []


def _drop_missing_explained_by_typos(located: list[tuple[Loc, str, str]]):
    """A misspelt required key shows as 'unknown' and 'missing': keep only the first."""
    typos = {(loc[:-1], msg.split("(did you mean ")[1].split("?")[0].strip("'"))
             for loc, msg, kind in located if kind == "extra_forbidden" and "(did you mean" in msg}
    return [item for item in located
            if not (item[2] == "missing" and (item[0][:-1], str(item[0][-1])) in typos)]


def _locate(label: str, marks: dict, overridden: dict[Loc, str], loc: Loc, msg: str,
            kind: str) -> Problem:
    path = ".".join(str(x) for x in loc)
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in overridden:
            return Problem(overridden[loc[:cut]], None, None, path, msg)
    if kind == "missing":
        line_col = _nearest_mark(marks, loc[:-1])
    elif kind in ("extra_forbidden", "cross"):
        line_col = marks.get(loc + ("<key>",)) or _nearest_mark(marks, loc)
    else:
        line_col = _nearest_mark(marks, loc)
    line, col = line_col if line_col else (None, None)
    return Problem(label, line, col, path, msg)


def _sorted_unique(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line is None, p.line or 0, p.column or 0))


def _suggest_key(loc: Loc) -> str:
    model = _model_at(Scenario, loc[:-1])
    if model is None:
        return ""
    return _did_you_mean(str(loc[-1]), list(model.model_fields))


def _model_at(model: Any, loc: Loc) -> Any:
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
            # a free-form mapping checked by a section model elsewhere (an event's
            # ``set: {programmes: …}`` is validated as ``Programmes``): find it by name
            model = _sections_by_name().get(str(part).replace("_", ""))
            if model is None:
                return None
    return model


def _sections_by_name() -> dict[str, Any]:
    from pydantic import BaseModel

    from sim.scenario import schema

    return {name.lower(): cls for name, cls in vars(schema).items()
            if isinstance(cls, type) and issubclass(cls, BaseModel)}


def _nearest_mark(marks: dict, loc: Loc) -> tuple[int, int] | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in marks:
            return marks[loc[:cut]]
    return None

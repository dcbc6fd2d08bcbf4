"""Loose input is refused: exotic YAML tags, booleans for numbers, text for numbers, alias
bombs through ``--set`` and flags outside the schema's bounds. Each is exit 2, one readable
message naming the field (and file:line for a file), no traceback, nothing written."""

from __future__ import annotations

import time

import pytest

from tests.scenarios_cli.conftest import HERE

TINY = HERE / "tiny.yaml"
BASE = (HERE / "tiny.yaml").read_text()


def _refused(result, *needles):
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in result.err, result.err


@pytest.mark.parametrize("value, tag", [
    ("!!binary aGVsbG8=", "'!!binary'"),
    ("!!set {a, b}", "'!!set'"),
    ("!!timestamp 2024-01-01", "'!!timestamp'"),
    ("!!python/object/apply:os.system [echo hi]", "'!!python/object/apply:os.system'"),
    ("!custom x", "'!custom'"),
])
def test_tags_in_a_file_are_refused_with_line_and_field(cvm, tmp_path, value, tag):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("name: Tiny golden market", f"name: {value}"))
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("name:"))
    _refused(cvm("validate", path), f"s.yaml:{line}:7: name: YAML tag {tag} is not allowed")
    out = tmp_path / "out"
    _refused(cvm("run", path, "--out", out, "--quiet"), tag)
    assert not out.exists()


def test_a_set_of_dimensions_is_refused(cvm, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("dimensions: [quality, service]",
                                 "dimensions: !!set {quality, service}"))
    _refused(cvm("validate", path), "market.dimensions: YAML tag '!!set' is not allowed")


@pytest.mark.parametrize("override, field", [
    ("steps=true", "steps: input should be a valid integer"),
    ("replicates=false", "replicates: input should be a valid integer"),
    ("firms.0.price=false", "firms.0.price: input should be a valid number"),
    ("market.customers=true", "market.customers: input should be a valid integer"),
    ("firms.0.price='9.5'", "firms.0.price: input should be a valid number, not text"),
    ("mechanisms.loyalty=1", "mechanisms.loyalty: input should be a valid boolean"),
    ("name=!!binary aGVsbG8=", "name: YAML tag '!!binary' is not allowed"),
    ("market.dimensions=!!set {quality, service}", "market.dimensions: YAML tag '!!set'"),
])
def test_loose_set_values_are_refused(cvm, tmp_path, override, field):
    out = tmp_path / "o"
    _refused(cvm("run", TINY, "--set", override, "--out", out, "--quiet"), field)
    assert not out.exists()


def test_booleans_for_numbers_in_a_file_name_the_line(cvm, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("steps: 8", "steps: true").replace("price: 10.0", "price: false"))
    _refused(cvm("validate", path), "s.yaml:7:8: steps: input should be a valid integer (got True)",
             "firms.0.price: input should be a valid number (got False)")


def test_ints_still_count_as_floats(tmp_path):
    from sim.scenario import load_scenario

    assert load_scenario(TINY, overrides=["firms.0.price=9"]).firms[0].price == 9


BOMB = "\n".join(f"{b}: &{b} [" + ",".join([f"*{a}"] * 9) + "]"
                 for a, b in zip("abcdefg", "bcdefgh", strict=True))
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + BOMB


def test_an_alias_bomb_through_set_fails_fast_and_small(cvm, tmp_path):
    import tracemalloc

    from sim.scenario import ScenarioError, load_scenario

    assert len(BOMB) < 400
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(TINY, overrides=[f"description={BOMB}"])
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "the value expands to more than 200,000 values" in str(info.value)
    assert elapsed < 10 and peak < 300_000_000
    out = tmp_path / "o"
    _refused(cvm("run", TINY, "--set", f"description={BOMB}", "--out", out, "--quiet"),
             "description: the value expands to more than")
    assert not out.exists()


@pytest.mark.parametrize("flags, message", [
    (("--steps", "100001"), "--steps must be at most 100,000"),
    (("--replicates", "10001"), "--replicates must be at most 10,000"),
    (("--seed", str(2**63)), "--seed must be at most"),
])
def test_flags_outside_the_schema_bounds_are_refused(cvm, tmp_path, flags, message):
    out = tmp_path / "o"
    _refused(cvm("run", TINY, "--out", out, "--quiet", *flags), message)
    assert not out.exists()


def _block_bomb(levels: int = 9) -> str:
    """An alias bomb in block style: no commas, so it survives --param's comma split."""
    lines = ["a: &a"] + ["  - x"] * 9
    for prev, name in zip("abcdefghij", "bcdefghij"[: levels - 1], strict=False):
        lines += [f"{name}: &{name}"] + [f"  - *{prev}"] * 9
    return "\n".join(lines)


def test_an_alias_bomb_through_sweep_param_is_refused_fast_and_small():
    import time
    import tracemalloc

    from sim.sweep import SweepError, parse_param

    tracemalloc.start()
    start = time.monotonic()
    with pytest.raises(SweepError, match="alias"):
        parse_param(f"description={_block_bomb()}")
    took = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert took < 10 and peak < 300 * 2**20


def test_sweep_param_refuses_yaml_tags_like_set():
    from sim.sweep import SweepError, parse_param

    with pytest.raises(SweepError, match="tag"):
        parse_param("name=!!binary aGVsbG8=")
    assert parse_param("firms.0.price=8,9").values == (8, 9)


@pytest.mark.parametrize("strategy, field, message", [
    ("{type: undercut, cut: true}", "strategy.cut", "input should be a valid number (got True)"),
    ("{type: adaptive, price_step: '0.1'}", "strategy.price_step", "not text"),
    ("{type: clock, target: hybrid, speed: false}", "strategy.speed", "valid number"),
])
def test_strategy_parameters_are_strict_too(cvm, tmp_path, strategy, field, message):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{name: Alpha, price: 10.0,",
                                 f"{{name: Alpha, price: 10.0, strategy: {strategy},"))
    _refused(cvm("validate", path), f"firms.0.{field}: ", message)


@pytest.mark.parametrize("argv, message", [
    (("--seed", "99999999999999999999999"), "--seed must be at most"),
    (("--seed", "-1"), "--seed must be >= 0"),
    (("--replicates", "100000000"), "--replicates must be at most 10,000"),
    (("--customers", "1000000000"), "--customers must be at most 100,000,000"),
])
def test_validate_model_flags_obey_the_schema_bounds(cvm, argv, message):
    _refused(cvm("validate-model", "--case", "none", *argv), message)

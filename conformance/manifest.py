"""Manifests: the divergences an engine is known to have, each with its reason.

A manifest (conformance/manifests/<engine>.toml, or --manifest) holds an array of tables:

    [[divergence]]
    scenario = "promotion.binary_op"          # scenario id, or an fnmatch pattern ("promotion.*")
    match = { dtype = "bfloat16", op = ["div", "true_divide"] }   # case keys; an array = any of
    devices = ["cuda"]                         # optional: engine device types it applies to
    fields = ["value"]                         # optional: the difference fields it explains
    reason = "one line: why the engine differs"
    flaky = true                               # optional: may agree by chance; never reported stale

A case divergence is `expected` when an entry matches the case (scenario, every `match` key equal
to one of its values, device) and explains every difference found (all their fields are in
`fields`, or `fields` is absent); otherwise it is a `fail`. When several entries match a case, the
first one that explains all its differences decides. An entry whose reason still starts with
"TODO" (as `python -m conformance manifest draft` writes them) explains nothing: its divergences
stay `fail` until a person writes the reason. To match a list-valued case key, nest it:
`match = { shape = [[2, 3]] }`. TOML has no complex numbers: a complex case value is matched by
its repr, `match = { value = "(1+2j)" }`.

An entry is `stale` when it no longer describes a divergence: every case it matched agreed with
the oracle, or (finite scenarios) it matched no case of a scenario that ran. An entry whose cases
errored (crashed, hung) is not stale: nothing is known about them. Stale entries fail a `ci` run
unless `flaky = true`.

Manifests are checked strictly when loaded (`Manifest.load`: shape and types of every key) and
against the registry (`Manifest.validate`: scenario ids and case keys); each problem is a
ManifestError naming the file, the entry and the key.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.compare import FIELDS, Difference
from conformance.records import CaseRecord, Context, Status
from spec.scenario import Scenario

ENTRY_KEYS = frozenset({"scenario", "match", "devices", "fields", "reason", "flaky"})
PLACEHOLDER = "TODO"
"""A reason starting with this is not written yet (a drafted entry): its divergences stay `fail`."""


class ManifestError(ValueError):
    """A manifest that cannot be trusted: unknown keys or scenarios, wrong types, missing reason."""


def frozen(value: Any) -> Any:
    """Lists become tuples (recursively), so TOML arrays and case tuples compare equal;
    complex numbers become their repr, since TOML cannot write them."""
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if isinstance(value, complex):
        return repr(value)
    return value


@dataclass(frozen=True)
class Entry:
    """One expected divergence."""

    index: int
    scenario: str
    match: dict[str, tuple[Any, ...]]
    reason: str
    devices: frozenset[str] | None = None
    fields: frozenset[str] | None = None
    flaky: bool = False

    @property
    def label(self) -> str:
        """A stable, readable id: '#<index> <scenario> <match>'."""
        wanted = ", ".join(f"{k}={list(v) if len(v) > 1 else v[0]!r}" for k, v in self.match.items())
        return f"#{self.index} {self.scenario}" + (f" {{{wanted}}}" if wanted else "")

    def applies_to(self, scenario_id: str, device: str) -> bool:
        if self.devices is not None and device.split(":", 1)[0] not in self.devices:
            return False
        return self.scenario == scenario_id or fnmatch.fnmatchcase(scenario_id, self.scenario)

    def matches(self, case: Mapping[str, Any]) -> bool:
        for key, allowed in self.match.items():
            if key not in case or frozen(case[key]) not in allowed:
                return False
        return True

    def explains(self, diffs: Sequence[Difference]) -> bool:
        return self.covers({d.field for d in diffs})

    def covers(self, fields: set[str] | frozenset[str]) -> bool:
        """Whether differences in these fields are all the entry's to explain."""
        return self.fields is None or fields <= self.fields

    @property
    def placeholder(self) -> bool:
        """A drafted entry whose reason nobody has written: it explains nothing yet."""
        return self.reason.startswith(PLACEHOLDER)


@dataclass
class Manifest:
    """The entries of one engine's manifest file (empty when the file does not exist)."""

    path: str = ""
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        path = Path(path)
        if not path.exists():
            return cls(str(path), [])
        if not path.is_file():
            raise ManifestError(f"{path}: not a file")
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{path}: not valid TOML: {exc}") from exc
        unknown = set(data) - {"divergence"}
        if unknown:
            raise ManifestError(f"{path}: unknown top-level keys {sorted(unknown)}; use [[divergence]]")
        raw = data.get("divergence", [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            raise ManifestError(f"{path}: 'divergence' must be an array of tables ([[divergence]])")
        return cls(str(path), [_entry(path, i, r) for i, r in enumerate(raw)])

    def for_scenario(self, scenario_id: str, device: str) -> list[Entry]:
        """The entries that may apply to one scenario on one device (looked up once per test)."""
        return [e for e in self.entries if e.applies_to(scenario_id, device)]

    def validate(self, scenarios: Mapping[str, Scenario]) -> None:
        """Check every entry against the registry: its scenario (or pattern) names at least one
        scenario, and every `match` key is a key of that scenario's cases."""
        for e in self.entries:
            where = f"{self.path}: divergence #{e.index} (scenario {e.scenario!r})"
            hits = [
                sc
                for sid, sc in scenarios.items()
                if e.scenario == sid or fnmatch.fnmatchcase(sid, e.scenario)
            ]
            if not hits:
                known = ", ".join(sorted(scenarios)[:8])
                raise ManifestError(f"{where}: no such scenario (known ids look like {known}, ...)")
            known_keys = [case_keys(sc) for sc in hits]
            if any(keys is None for keys in known_keys):
                continue  # a drawn scenario that does not declare its keys
            for key in e.match:
                if not any(key in keys for keys in known_keys if keys is not None):
                    allowed = sorted(set().union(*(k for k in known_keys if k is not None)))
                    raise ManifestError(
                        f"{where}: match key {key!r} is not a key of its cases (keys: {allowed})"
                    )


_KEYS: dict[str, frozenset[str] | None] = {}


def case_keys(sc: Scenario) -> frozenset[str] | None:
    """The keys a scenario's cases have: declared by the scenario, or those of its enumerated
    cases; None for a drawn scenario that declares none."""
    if sc.id not in _KEYS:
        declared = getattr(sc, "keys", None)
        if declared:
            _KEYS[sc.id] = frozenset(declared)
        elif sc.finite:
            _KEYS[sc.id] = frozenset().union(*(case.keys() for case in sc.cases()))
        else:
            _KEYS[sc.id] = None
    return _KEYS[sc.id]


def lookup(entries: list[Entry], case: Mapping[str, Any], diffs: Sequence[Difference] = ()) -> Entry | None:
    """The first entry matching the case that explains `diffs`; failing that, the first matching one."""
    return decide(entries, case, {d.field for d in diffs})


def decide(entries: Sequence[Entry], case: Mapping[str, Any], fields: set[str]) -> Entry | None:
    """lookup() for a case whose differences are in `fields` (a drafted manifest is checked with it)."""
    matching = [entry for entry in entries if entry.matches(case)]
    return next((entry for entry in matching if entry.covers(fields)), matching[0] if matching else None)


def _problem(where: str, key: str, wanted: str, value: Any) -> ManifestError:
    return ManifestError(f"{where}: key {key!r} must be {wanted}, not {type(value).__name__} {value!r}")


def _strings(where: str, key: str, value: Any, allowed: Iterable[str] | None = None) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or not value:
        raise _problem(where, key, 'a non-empty array of strings, e.g. ["cuda"]', value)
    if allowed is not None and not set(value) <= set(allowed):
        raise ManifestError(
            f"{where}: key {key!r}: unknown {sorted(set(value) - set(allowed))}; known: {list(allowed)}"
        )
    return frozenset(value)


def _entry(path: Path, index: int, raw: dict[str, Any]) -> Entry:
    where = f"{path}: divergence #{index}"
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ManifestError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(ENTRY_KEYS)})")
    scenario = raw.get("scenario")
    if not isinstance(scenario, str) or not scenario:
        raise _problem(where, "scenario", "a scenario id or pattern", scenario)
    where = f"{where} (scenario {scenario!r})"
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise _problem(where, "reason", "a one-line explanation", reason)
    match = raw.get("match", {})
    if not isinstance(match, dict):
        raise _problem(where, "match", 'a table of case keys, e.g. { dtype = "bfloat16" }', match)
    for key, value in match.items():
        if isinstance(value, list) and not value:
            raise _problem(where, f"match.{key}", "a value or a non-empty array of values", value)
    flaky = raw.get("flaky", False)
    if not isinstance(flaky, bool):
        raise _problem(where, "flaky", "true or false", flaky)
    return Entry(
        index=index,
        scenario=scenario,
        match={
            k: tuple(frozen(v) for v in value) if isinstance(value, list) else (frozen(value),)
            for k, value in match.items()
        },
        reason=reason.strip(),
        devices=_strings(where, "devices", raw["devices"]) if "devices" in raw else None,
        fields=_strings(where, "fields", raw["fields"], FIELDS) if "fields" in raw else None,
        flaky=flaky,
    )


def stale_records(
    manifest: Manifest,
    records: Iterable[CaseRecord],
    finite: set[str],
    context: Context | None = None,
    partial: set[str] | frozenset[str] = frozenset(),
) -> list[CaseRecord]:
    """`stale` records for entries that no longer describe a divergence in this run (see the module
    docstring). `context`: the run's engines and devices (by default those of its records).
    Nothing is known of an entry whose scenarios had cases errored, not run (a budget) or checked
    elsewhere (`partial`: scenarios split over shards): it is not judged."""
    agreed: Counter[str] = Counter()
    diverged: Counter[str] = Counter()
    errored: Counter[str] = Counter()
    checked: set[str] = set()  # scenarios with cases compared
    uncertain: set[str] = set(partial)  # scenarios some of whose cases this run did not compare
    for r in records:
        context = context or r.context
        if r.status in (Status.PASS, Status.FAIL, Status.EXPECTED):
            checked.add(r.scenario)
        if r.status in (Status.ERROR, Status.NOT_RUN):
            uncertain.add(r.scenario)
        if r.manifest_entry is None:
            continue
        tally = {Status.PASS: agreed, Status.EXPECTED: diverged, Status.FAIL: diverged, Status.ERROR: errored}
        if r.status in tally:
            tally[r.status][r.manifest_entry] += r.count
    if context is None:
        return []
    stale: list[CaseRecord] = []
    for e in manifest.entries:
        scenarios = [sid for sid in checked | uncertain if e.applies_to(sid, context.device)]
        if diverged[e.label] or errored[e.label] or any(sid in uncertain for sid in scenarios):
            continue
        if agreed[e.label]:
            why = f"all {agreed[e.label]} matching cases agree with the oracle now"
        elif any(sid in finite for sid in scenarios):
            why = "decides no case of its scenario (it matches none, or earlier entries explain them)"
        else:
            continue
        stale.append(
            context.record(
                area=e.scenario.split(".", 1)[0],
                scenario=e.scenario,
                status=Status.STALE,
                count=agreed[e.label],
                cases=[{k: list(v) if len(v) > 1 else v[0] for k, v in e.match.items()}],
                reason=f"manifest entry {e.label} ({e.reason}): {why}; remove it",
                manifest_entry=e.label,
                flaky=e.flaky,
            )
        )
    return stale

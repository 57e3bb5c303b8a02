"""Manifests: the divergences an engine is known to have, each with its reason.

conformance/manifests/<engine>.toml holds an array of `[[divergence]]` tables:

    [[divergence]]
    scenario = "promotion.binary_op"          # scenario id, or an fnmatch pattern ("promotion.*")
    match = { dtype = "bfloat16", op = ["div", "true_divide"] }   # case keys; an array = any of
    devices = ["cuda"]                         # optional: engine device types it applies to
    fields = ["value"]                         # optional: the difference fields it explains
    reason = "one line: why the engine differs"
    flaky = true                               # optional: may agree by chance; never reported stale

A case divergence is `expected` when an entry matches the case (scenario, every `match` key equal
to one of its values, device) and explains every difference found (all their fields are in
`fields`, or `fields` is absent); otherwise it is a `fail`. An entry that matched cases in a run
and saw all of them agree with the oracle is `stale`: the engine was fixed and the entry must go.
Stale entries are recorded in the results and fail the session under the `ci` hypothesis profile,
unless marked `flaky = true` (for divergences that depend on drawn values and may not show up).
To match a list-valued case key, nest it: `match = { shape = [[2, 3]] }`. TOML has no complex
numbers: a complex case value is matched by its repr, `match = { value = "(1+2j)" }`.
When several entries match a case, the first one that explains all its differences decides.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.compare import FIELDS, Difference

ENTRY_KEYS = frozenset({"scenario", "match", "devices", "fields", "reason", "flaky"})


class ManifestError(ValueError):
    """A manifest that cannot be trusted: unknown keys, missing reason, unknown field names."""


def _frozen(value: Any) -> Any:
    """Lists become tuples (recursively), so TOML arrays and case tuples compare equal;
    complex numbers become their repr, since TOML cannot write them."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
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

    def matches(self, case: dict[str, Any]) -> bool:
        for key, allowed in self.match.items():
            if key not in case or _frozen(case[key]) not in allowed:
                return False
        return True

    def explains(self, diffs: Sequence[Difference]) -> bool:
        return self.fields is None or all(d.field in self.fields for d in diffs)


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
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        unknown = set(data) - {"divergence"}
        if unknown:
            raise ManifestError(f"{path}: unknown top-level keys {sorted(unknown)}; use [[divergence]]")
        return cls(str(path), [_entry(path, i, raw) for i, raw in enumerate(data.get("divergence", []))])

    def for_scenario(self, scenario_id: str, device: str) -> list[Entry]:
        """The entries that may apply to one scenario on one device (looked up once per test)."""
        return [e for e in self.entries if e.applies_to(scenario_id, device)]


def lookup(entries: list[Entry], case: dict[str, Any], diffs: Sequence[Difference] = ()) -> Entry | None:
    """The first entry matching the case that explains `diffs`; failing that, the first matching one."""
    matching = [entry for entry in entries if entry.matches(case)]
    return next((entry for entry in matching if entry.explains(diffs)), matching[0] if matching else None)


def _entry(path: Path, index: int, raw: dict[str, Any]) -> Entry:
    where = f"{path} divergence #{index}"
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ManifestError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(ENTRY_KEYS)})")
    if not isinstance(raw.get("scenario"), str) or not raw["scenario"]:
        raise ManifestError(f"{where}: 'scenario' (a scenario id or pattern) is required")
    if not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
        raise ManifestError(f"{where}: every entry needs a one-line 'reason'")
    fields = raw.get("fields")
    if fields is not None and not set(fields) <= set(FIELDS):
        raise ManifestError(f"{where}: unknown fields {sorted(set(fields) - set(FIELDS))}; known: {FIELDS}")
    match = {
        key: tuple(_frozen(v) for v in value) if isinstance(value, list) else (_frozen(value),)
        for key, value in raw.get("match", {}).items()
    }
    devices = raw.get("devices")
    return Entry(
        index=index,
        scenario=raw["scenario"],
        match=match,
        reason=raw["reason"].strip(),
        devices=frozenset(devices) if devices is not None else None,
        fields=frozenset(fields) if fields is not None else None,
        flaky=bool(raw.get("flaky", False)),
    )

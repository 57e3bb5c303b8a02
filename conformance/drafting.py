"""Manifests drafted from a run: each cause of divergence becomes the narrowest entries that match
its cases and no other case of its scenario, with a placeholder reason for a person to write.

`python -m conformance manifest draft RESULTS... -o mylib.toml` writes a new manifest;
`python -m conformance manifest update RESULTS... --manifest mylib.toml` removes the entries the run
found stale and appends entries for its unexplained divergences, leaving every other entry (and
its comments and reasons) as it was. Until its reason is written, a drafted entry explains nothing
(conformance.manifest.PLACEHOLDER): the next run still reports its cases as `fail`.

Narrow means: an entry explains one cause (its `fields` are those the cause differs in) and its
`match`, a product of per-key value sets (TOML `key = [a, b]`), selects no case that agrees with
the oracle, nor a case of another cause that its fields would explain; within that, the drafter
grows the box greedily, dropping every key it can (see `boxes`), so that an entry names only the
keys that select the rule. The scenario's
other cases come from the registry: its enumeration, or under the `ci` profile its corpus. A run
that drew fresh cases (dev, thorough) cannot know them: those entries list the values seen, over
every key, and are marked flaky.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from conformance import records as rec
from conformance.compare import FIELDS
from conformance.corpus import load as corpus_cases
from conformance.manifest import PLACEHOLDER, Entry, case_keys, decide, frozen
from conformance.records import CaseRecord, RunRecord, Status
from conformance.tally import params
from spec.scenario import Scenario

SEEDS = 8
"""Uncovered cases a box is grown from at each step of the cover; the largest box is kept."""

Params = dict[str, Any]
Box = dict[str, list[Any]]


def fields_of(cause: str) -> list[str]:
    """The difference fields named in a cause key ('dtype out.dtype: ...; value out' -> dtype, value)."""
    return sorted({part.split(" ", 1)[0] for part in cause.split("; ")} & set(FIELDS))


_MISSING = object()


class Universe:
    """Every case of one scenario, by params, as bit masks per (key, value): a box's cases are the
    AND over its keys of the OR of its values' masks."""

    def __init__(self, cases: list[Params], keys: list[str]) -> None:
        self.keys = keys
        self.full = [self.key_of(c) for c in cases]
        self.everything = (1 << len(self.full)) - 1
        self.masks: list[dict[Any, int]] = [defaultdict(int) for _ in keys]
        for i, full in enumerate(self.full):
            for position, value in enumerate(full):
                self.masks[position][value] |= 1 << i

    def key_of(self, case: Params) -> tuple[Any, ...]:
        return tuple(frozen(case.get(k, _MISSING)) for k in self.keys)

    def mask(self, box: dict[int, set[Any]]) -> int:
        """The cases inside a box given as position -> allowed values (absent position: any)."""
        selected = self.everything
        for position, values in box.items():
            selected &= sum(self.masks[position].get(v, 0) for v in values)
        return selected


def boxes(group: list[Params], universe: Universe, forbidden: int | None = None) -> list[Box]:
    """Boxes that cover `group` and select no `forbidden` case (a mask over the universe; by default
    every case outside the group), grown greedily: from one uncovered case, each key is dropped
    where that keeps the box clean, else widened by the group's values that keep it clean; the
    larger of two key orders wins; repeat until every case is covered."""
    group_keys = {universe.key_of(c) for c in group}
    group_mask = sum(1 << i for i, full in enumerate(universe.full) if full in group_keys)
    if forbidden is None:
        forbidden = universe.everything & ~group_mask
    writable = {None, _MISSING}  # values a TOML match cannot name (no null) or a case lacks
    seen = {i: {full[i] for full in group_keys} - writable for i in range(len(universe.keys))}

    def clean(box: dict[int, set[Any]]) -> bool:
        return universe.mask(box) & forbidden == 0

    found: list[Box] = []
    uncovered = group_mask

    def grow(start: tuple[Any, ...], order: list[int]) -> dict[int, set[Any]]:
        box = {i: {start[i]} for i in order}
        for i in order:
            wider = {k: v for k, v in box.items() if k != i}
            if clean(wider):
                box = wider
                continue
            for value in sorted(seen[i] - box[i], key=repr):
                trial = {**box, i: box[i] | {value}}
                if clean(trial):
                    box = trial
        return box

    while uncovered:
        lowest = uncovered & -uncovered
        bits = [b for b in range(uncovered.bit_length()) if uncovered >> b & 1]
        best: dict[int, set[Any]] = {}
        best_size = 0
        for bit in bits[:: max(1, len(bits) // SEEDS)][:SEEDS]:  # a few seeds; the largest box wins
            start = universe.full[bit]
            positions = [i for i, value in enumerate(start) if value not in writable]
            if not clean({i: {start[i]} for i in positions}):  # twins of a forbidden case
                continue
            by_values = sorted(positions, key=lambda i: len(seen[i]))
            for order in (by_values, by_values[::-1]):
                box = grow(start, order)
                size = (universe.mask(box) & uncovered).bit_count()
                if size > best_size:
                    best, best_size = box, size
        if not best_size:  # not separable: the first case's own params, agreeing twins included
            start = universe.full[lowest.bit_length() - 1]
            best = {i: {v} for i, v in enumerate(start) if v not in writable}
        uncovered &= ~(universe.mask(best) & group_mask if best_size else lowest)
        written = {universe.keys[i]: sorted(best[i], key=repr) for i in sorted(best)}
        if written not in found:
            found.append(written)
    return found


def _scenario_cases(sc: Scenario, drawn: str) -> list[Params] | None:
    """Every case of the scenario as the run saw them, by params; None when they were freshly drawn."""
    if sc.finite:
        return [params(c) for c in sc.cases()]
    committed = corpus_cases(sc.id) if drawn == "corpus" else None
    return None if committed is None else [params(c) for c in committed]


def load_records(paths: Iterable[str]) -> tuple[list[RunRecord], list[CaseRecord]]:
    """The run and case records of results files or folders (malformed lines skipped)."""
    runs: list[RunRecord] = []
    cases: list[CaseRecord] = []
    for spec in paths:
        path = Path(spec)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file():
                raise OSError(f"no results file {file}")
            for r in rec.records(file):
                if isinstance(r, RunRecord):
                    runs.append(r)
                elif isinstance(r, CaseRecord):
                    cases.append(r)
    if not runs:
        raise ValueError("the results hold no run record: not tensorspec results")
    return runs, cases


def drafts(
    found: list[CaseRecord], scenarios: Mapping[str, Scenario], drawn: str, device: str
) -> list[dict[str, Any]]:
    """Entries (as TOML-ready dicts, with a `_comment`) for the divergent cases of `found`, one or
    more per cause: each selects no agreeing case, and no case of another cause that its fields
    would explain (that case's own entry must decide it)."""
    by_cause: dict[str, dict[str, list[Params]]] = defaultdict(lambda: defaultdict(list))
    for r in found:
        if r.status in (Status.FAIL, Status.EXPECTED) and r.cause:
            by_cause[r.scenario][r.cause].extend(r.cases)
    out: list[dict[str, Any]] = []
    for sid, causes in sorted(by_cause.items()):
        sc = scenarios.get(sid)
        if sc is not None:
            drafted = [_entry(sid, *found, device) for found in _boxes(sc, causes, drawn)]
            out += _deciding(drafted, causes)
    for entry in out:
        if "match" in entry:
            entry["match"] = {k: _written(v) for k, v in entry["match"].items()}
    return out


def _boxes(sc: Scenario, causes: dict[str, list[Params]], drawn: str) -> list[tuple[str, Box, bool]]:
    """(cause, box, flaky) for each box of each cause of one scenario, biggest cause first."""
    keys = sorted(case_keys(sc) or {k for cases in causes.values() for c in cases for k in c})
    every = _scenario_cases(sc, drawn)
    if every is None:  # freshly drawn: the values seen, flaky
        return [(cause, _observed(cases, keys), True) for cause, cases in _biggest_first(causes)]
    universe = Universe(every, keys)
    masks = {cause: _mask(universe, cases) for cause, cases in causes.items()}
    found: list[tuple[str, Box, bool]] = []
    for cause, cases in _biggest_first(causes):
        fields = set(fields_of(cause))
        divergent = {other for other in causes if other != cause and not set(fields_of(other)) <= fields}
        allowed = masks[cause] | sum((masks[other] for other in divergent), 0)
        found += [(cause, box, False) for box in boxes(cases, universe, universe.everything & ~allowed)]
    return found


def _biggest_first(causes: dict[str, list[Params]]) -> list[tuple[str, list[Params]]]:
    return sorted(causes.items(), key=lambda item: -len(item[1]))


def _entry(sid: str, cause: str, box: Box, flaky: bool, device: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"_comment": cause, "scenario": sid}
    if box:
        entry["match"] = box
    if device.split(":")[0] != "cpu":
        entry["devices"] = [device.split(":")[0]]
    entry["fields"] = fields_of(cause)
    entry["reason"] = f"{PLACEHOLDER}: explain ({cause})"
    if flaky:
        entry["flaky"] = True
    return entry


def _deciding(drafted: list[dict[str, Any]], causes: dict[str, list[Params]]) -> list[dict[str, Any]]:
    """The drafted entries of one scenario, checked as the next run reads them (the first matching
    entry that explains a case decides it). Where cases differ only in what no entry can name (a
    tensor spec), an entry can decide another cause's cases: it takes that cause's fields too. An
    entry that decides no case is dropped (it would be stale). Comments count the cases decided."""
    while True:
        entries = [
            Entry(
                i,
                d["scenario"],
                {k: tuple(v) for k, v in d.get("match", {}).items()},
                d["reason"],
                fields=frozenset(d["fields"]),
            )
            for i, d in enumerate(drafted)
        ]
        decided: Counter[int] = Counter()
        widened = False
        for cause, cases in causes.items():
            fields = set(fields_of(cause))
            for case in cases:
                entry = decide(entries, case, fields)
                if entry is not None:
                    decided[entry.index] += 1
                    if not entry.covers(fields):
                        drafted[entry.index]["fields"] = sorted(fields | set(drafted[entry.index]["fields"]))
                        widened = True
        if not widened and len(decided) == len(drafted):
            for i, d in enumerate(drafted):
                d["_comment"] = f"{decided[i]} cases: {d['_comment']}"
            return drafted
        drafted = [d for i, d in enumerate(drafted) if decided[i]]


def _written(values: list[Any]) -> Any:
    """A match key's allowed values as TOML writes them: one value bare, several (or one that is
    itself a list: a shape, arguments) as a list of values."""
    thawed = [_thawed(v) for v in values]
    return thawed[0] if len(thawed) == 1 and not isinstance(thawed[0], list) else thawed


def _thawed(value: Any) -> Any:
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


def _mask(universe: Universe, cases: list[Params]) -> int:
    wanted = {universe.key_of(c) for c in cases}
    return sum(1 << i for i, full in enumerate(universe.full) if full in wanted)


def _observed(cases: list[Params], keys: list[str]) -> Box:
    return {
        k: sorted({frozen(c[k]) for c in cases}, key=repr)
        for k in keys
        if all(c.get(k) is not None for c in cases)
    }


def _aot_table(entry: dict[str, Any]) -> Any:
    table = tomlkit.table()
    table.add(tomlkit.comment(entry["_comment"]))
    for key, value in entry.items():
        if key == "_comment":
            continue
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table.add(key, inline)
        else:
            table.add(key, value)
    return table


def _context(runs: list[RunRecord]) -> tuple[str, str]:
    drawn = {r.drawn or ("corpus" if r.hypothesis_profile == "ci" else "hypothesis") for r in runs}
    devices = {r.engine_device for r in runs}
    return ("corpus" if drawn == {"corpus"} else "hypothesis"), sorted(devices)[0]


def draft_file(results: list[str], output: str, scenarios: Mapping[str, Scenario]) -> str:
    """Write a new manifest drafted from the results; a one-line summary."""
    runs, found = load_records(results)
    drawn, device = _context(runs)
    entries = drafts(found, scenarios, drawn, device)
    doc = tomlkit.document()
    doc.add(
        tomlkit.comment(
            f"Expected divergences of {runs[0].engine} ({runs[0].engine_name} {runs[0].engine_version})"
        )
    )
    doc.add(
        tomlkit.comment(f"drafted {datetime.now(UTC):%Y-%m-%d} by `python -m conformance manifest draft`")
    )
    doc.add(
        tomlkit.comment(
            'from a run; write each reason: until then an entry starting "TODO" explains nothing.'
        )
    )
    aot = tomlkit.aot()
    for entry in entries:
        aot.append(_aot_table(entry))
    doc.add("divergence", aot)
    Path(output).write_text(tomlkit.dumps(doc), encoding="utf-8")
    cases = sum(r.count for r in found if r.status in (Status.FAIL, Status.EXPECTED))
    return f"wrote {output}: {len(entries)} entries for {cases} divergent cases"


def update_file(results: list[str], manifest: str, output: str, scenarios: Mapping[str, Scenario]) -> str:
    """Remove the run's stale entries, append entries for its unexplained divergences; a summary."""
    runs, found = load_records(results)
    drawn, device = _context(runs)
    text = Path(manifest).read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    stale = {
        int(r.manifest_entry.split(" ", 1)[0].lstrip("#"))
        for r in found
        if r.status is Status.STALE and r.manifest_entry
    }
    entries = doc.get("divergence")
    if entries is None:
        entries = tomlkit.aot()
        doc.add("divergence", entries)
    for index in sorted(stale, reverse=True):  # in place: comments and layout of the rest stay
        if index < len(entries):
            del entries[index]
    new = drafts([r for r in found if r.status is Status.FAIL], scenarios, drawn, device)
    text = tomlkit.dumps(doc)
    if new:  # appended as text, so that the file's own layout stays as it was
        added = tomlkit.document()
        appended = tomlkit.aot()
        for entry in new:
            appended.append(_aot_table(entry))
        added.add("divergence", appended)
        text = text.rstrip() + "\n\n" + tomlkit.dumps(added)
    Path(output).write_text(text, encoding="utf-8")
    kept = len(entries) + len(new)
    return f"wrote {output}: {len(stale)} stale entries removed, {len(new)} drafted, {kept - len(new)} kept"

"""The hypothesis profiles of the conformance suite, registered here and nowhere else.

Chosen with hypothesis' own `--hypothesis-profile NAME` or the TENSORSPEC_PROFILE environment
variable; `pytest conformance` defaults to `ci`. Each example of a drawn scenario checks a batch of
cases (conformance.runner.BATCH_SIZE), so `max_examples` counts batches, not cases.

- ci: derandomized (the same cases every run), no deadline, no example database, few examples.
- dev: random cases, the example database on (failures replay first), more examples.
- thorough: 50x ci's examples, random: for nightly runs and before a release.
- quick: ci's cases under a budget of QUICK_BUDGET_S seconds (cover rounds first): a first verdict
  on a slow engine in minutes; cases not reached are recorded not_run, never passed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

CI_EXAMPLES = 20

PROFILES: dict[str, dict[str, object]] = {
    "ci": {
        "max_examples": CI_EXAMPLES,
        "derandomize": True,
        "database": None,
        "print_blob": True,
        "phases": (Phase.explicit, Phase.generate, Phase.shrink),
    },
    "quick": {"max_examples": CI_EXAMPLES, "derandomize": True, "database": None},
    # random even where hypothesis itself would derandomize (it does when a CI variable is set)
    "dev": {"max_examples": 5 * CI_EXAMPLES, "derandomize": False},
    "thorough": {"max_examples": 50 * CI_EXAMPLES, "derandomize": False, "print_blob": True},
}

COMMON: dict[str, object] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}

QUICK_BUDGET_S = 120.0
BUDGETS: dict[str, float] = {"quick": QUICK_BUDGET_S}
"""Profiles that imply --budget: `quick` is ci's cases, in cover order, stopped after 2 minutes."""

DEFAULT_PROFILE = "ci"
ENVIRONMENT_VARIABLE = "TENSORSPEC_PROFILE"

for _name, _values in PROFILES.items():
    settings.register_profile(_name, **{**COMMON, **_values})

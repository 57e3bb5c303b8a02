"""Load the tensorspec plugin for `pytest conformance` run from a checkout (not installed)."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    import conformance.plugin as plugin

    if not pluginmanager.is_registered(plugin):
        pluginmanager.register(plugin, "conformance.plugin")

"""The differential harness: engines, comparison, pytest plugin, results."""

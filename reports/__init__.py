"""Self-contained HTML conformance reports built from JSON-lines results."""

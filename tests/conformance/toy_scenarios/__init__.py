"""Small scenarios for testing the harness itself (registered only when imported)."""

"""tensorspec's own tests."""

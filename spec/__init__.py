"""tensorspec: the engine-agnostic behaviours (scenarios), the engine protocol and Outcome."""

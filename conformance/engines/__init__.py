"""Engine adapters, chosen by name or by an import path `package.module:Adapter`."""

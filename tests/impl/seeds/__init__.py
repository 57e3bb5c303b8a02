"""Training programs copied from the seed tutorials, run unchanged with `torch` or `impl` passed in.

Each module holds one program from one tutorial, as a function taking the torch module (`torch`)
and the initial values the tutorial drew at random (as NumPy arrays), so that torch and impl can
start from the same point. Apart from how those initial values are supplied (marked `# seed value:`)
and how a tutorial's `import torch.nn as nn` reaches the torch passed in (marked `# seed import:`;
tests/impl/test_seeds.py checks that impl's modules import under those names), the bodies are the
tutorials' code.
"""

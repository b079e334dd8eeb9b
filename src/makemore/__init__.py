"""makemore: a character-level bigram language model, built in the book's makemore part.

It needs PyTorch, which the ``makemore`` extra installs: ``pip install 'spelled-out[makemore]'``.
"""

try:
    import torch  # noqa: F401  (every module of the package uses it)
except ModuleNotFoundError as error:
    if error.name != "torch":
        raise
    raise ModuleNotFoundError(
        "makemore needs PyTorch 2.3 or newer, which is not installed: "
        "pip install 'spelled-out[makemore]' (or install torch your own way)",
        name="torch",
    ) from None

"""``python -m fou`` is the ``fou`` command."""

from .cli import main

main()

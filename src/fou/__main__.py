"""``python -m fou`` is the ``fou`` command."""

from fou.cli import main

main()

"""``python -m hisms``: the same as the ``hisms`` command."""

from hisms.engine.cli import main

main()

"""``python -m vaekit`` runs the command line."""

from vaekit.cli.main import main

main()

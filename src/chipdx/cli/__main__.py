"""``python -m chipdx.cli`` runs the command line."""

from chipdx.cli import main

raise SystemExit(main())

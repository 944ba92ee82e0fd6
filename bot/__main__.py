"""Run the command line: `python -m quotebot.bot`."""

from .cli import main

raise SystemExit(main())

"""``python -m tinyagent.cli`` is ``tinyagent``."""

from tinyagent.cli.main import main

raise SystemExit(main())

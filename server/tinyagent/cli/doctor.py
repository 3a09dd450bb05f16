"""``tinyagent doctor --macos``: checks the macOS worker on this Mac (scripts, app permissions, folders).

Exit codes: 0 everything works, 1 something needs attention, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


def doctor_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinyagent doctor", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--macos", action="store_true", required=True, help="Check the macOS worker.")
    parser.add_argument("--deadline", type=float, default=30.0, help="Seconds per check (default %(default)s).")
    parser.add_argument(
        "--write",
        action="store_true",
        help="Also create, read back and delete a throwaway folder, list and calendar in Notes, Reminders, Calendar.",
    )
    args = parser.parse_args(argv)
    from tinyagent.workers.macos.doctor import render, run_doctor
    from tinyagent.workers.macos.scope import FileScope
    from tinyagent.workers.macos.zoom import ZoomConfig

    stamp = time.strftime("%Y-%m-%d %H.%M.%S") if args.write else None
    checks = run_doctor(FileScope.from_env(), ZoomConfig.from_env().token, deadline_s=args.deadline, write_stamp=stamp)
    print(render(checks))  # noqa: T201 - CLI output
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(doctor_main())

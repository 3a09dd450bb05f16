"""``python -m tinyagent.workers``: what the server's WorkerClient starts."""

import sys

from tinyagent.workers.launch import worker_main

if __name__ == "__main__":
    sys.exit(worker_main())

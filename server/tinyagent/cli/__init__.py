"""The ``tinyagent`` command and its subcommands; they configure the server and call the core."""

"""/runs and /run: the agent's runs over HTTP (router), their wire models (protocol) and the
adapter between the two and ``runs/`` (serving)."""

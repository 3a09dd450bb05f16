"""Model catalogue, profiles and resolution of model references (path, hub, alias)."""

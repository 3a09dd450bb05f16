"""The web console: static pages served at ``/`` that use the public API like any other client."""

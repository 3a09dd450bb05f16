"""Offline evaluation of planners: upstream's graph-isomorphism success rate, loaders and the runner.

Nothing here imports FastAPI; ``tinyagent eval`` drives it from the command line.
"""

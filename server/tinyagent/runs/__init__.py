"""Agent runs: the run manager, one run's loop (plan, execute while planning, join, replan), the
executor, the joiner, run events and the SQLite run store. Nothing here imports FastAPI.
"""

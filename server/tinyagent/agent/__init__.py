"""Planning core: the tool registry, planner prompts, the plan model/parser and the plan grammar.

Nothing in this package imports FastAPI; the API layer adapts it.
"""

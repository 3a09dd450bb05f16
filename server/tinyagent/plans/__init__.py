"""The plan language, without a model: tasks and plans, the plan-text parser, the plan grammar, the
inline form of guided plans, plan skeletons, query spans, and the planner prompt text upstream trained on.
"""

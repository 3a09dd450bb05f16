"""Making a plan with the model: the Planner, the guided prompt, and ``prepare_plan``, the one path that
turns a request into the planner's input for /plan, /run, ``tinyagent plan`` and ``tinyagent eval``.
"""

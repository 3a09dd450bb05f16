"""/plan and /tools: LLMCompiler planning over HTTP and the tool registry as the planner sees it."""

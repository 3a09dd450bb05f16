"""Agent routes: LLMCompiler planning (/plan) and the tool registry (/tools)."""

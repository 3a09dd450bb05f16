"""ToolRAG: choose the tools and the in-context examples for one planner prompt.

Upstream TinyAgent classified the query into tools with a fine-tuned DeBERTa and retrieved
examples with OpenAI embeddings; here both work offline: ``embedding`` mode derives the tools
from the nearest bank examples (all-MiniLM-L6-v2 + faiss), ``classifier`` mode runs upstream's
checkpoint when the user has it. See ``select.ToolRAG`` for the entry point.
"""

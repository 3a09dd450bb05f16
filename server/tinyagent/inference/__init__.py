"""Inference: backends (local llama.cpp, remote OpenAI-compatible), the model service and its queue."""

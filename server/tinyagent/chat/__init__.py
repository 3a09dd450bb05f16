"""Chat: prompt formats, tool calling and structured output on top of a TextGenerator."""

"""Model profiles: how to talk to a model, decided per catalogue entry, never guessed at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "upstream": TinyAgent's planner prompt, as the TinyAgent models were fine-tuned on it.
# "guided": a plan skeleton from the example bank, arguments filled by the model (agent/guided.py);
# for models too small to plan from upstream's prompt (issue 9 measured 15-20% success for them).
PlanStyle = Literal["upstream", "guided"]
# How a run decides after each round: "model" is upstream's joiner (Finish or Replan, written by the
# model); "rules" finishes with an answer written from the observations and replans only when the plan
# stopped on an error (runs/answers.py): for models too small to judge a round or to mend a failed task.
JoinStyle = Literal["model", "rules"]
# Who decides tool_choice "auto" (call a tool or answer): "model" is the model's own first tokens;
# "similarity" compares the request with the tools' descriptions (chat/auto.py), for models that
# almost never choose a call themselves (measured with `tinyagent eval-tools`, docs/openai.md).
AutoChoice = Literal["model", "similarity"]


@dataclass(frozen=True)
class ModelProfile:
    name: str
    # Name in the chat-format registry (chat/formats.py): chatml, alpaca, gemma-base, jinja.
    chat_format: str
    # Extra stop sequences always applied to chat completions for this model.
    stop: tuple[str, ...] = ()
    context_length: int = 4096
    # True for instruction-tuned models; base models only get few-shot / grammar-led prompts.
    instruct: bool = True
    plan_style: PlanStyle = "upstream"
    join_style: JoinStyle = "model"
    auto_choice: AutoChoice = "model"
    # DRY multiplier for tool calls (inference/repeats.py): greedy small models loop inside a string.
    call_repeat_guard: float = 0.0


# A GGUF file of unknown origin: use its embedded chat template when it has one.
GENERIC = ModelProfile(name="generic", chat_format="jinja", context_length=4096)

# TinyAgent GGUFs were fine-tuned in their base model's Alpaca-style format
# (see docs/architecture.md, "Model profiles").
TINYAGENT = ModelProfile(
    name="tinyagent", chat_format="alpaca", stop=("<END_OF_PLAN>", "### Instruction:"), context_length=8192
)
SMOLLM2 = ModelProfile(
    name="smollm2",
    chat_format="chatml",
    stop=("<|im_end|>",),
    # Half its trained 8192: every 4096 tokens of context keep 90 MB of KV cache resident, and the longest
    # planner prompt measured 2.7k tokens (bench/bench_toolrag.py). --n-ctx 8192 gives it all back.
    context_length=4096,
    plan_style="guided",
    join_style="rules",
    auto_choice="similarity",
    call_repeat_guard=0.8,  # DRY's default; decided calls ran to max_tokens ("SMS@SMS@...") and were dropped
)
GEMMA3_BASE = ModelProfile(
    name="gemma3-base",
    chat_format="gemma-base",
    stop=("\nUser:",),
    context_length=8192,
    instruct=False,
    plan_style="guided",
    join_style="rules",
    auto_choice="similarity",
)

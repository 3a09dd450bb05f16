"""One plan written before the server says it is ready, so the first request is as fast as the tenth.

A first plan otherwise pays for everything loaded on first use: the embedder, the ToolRAG index and
probe, the skeleton ranker, the date parser, grammar compilation, and llama.cpp's first evaluation
(11.5 s where the next nine took ~1.5 s). Calling the real path, rather than a list of loaders, cannot
miss a part that a later change makes lazy.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime

from tinyagent.models.loaded import LoadedModel
from tinyagent.planning.prepare import PlanOptions, ToolRAGSource, prepare_plan
from tinyagent.settings import Settings
from tinyagent.timezones import user_zone
from tinyagent.tools.registry import ToolSet

log = logging.getLogger(__name__)

# A request that uses a look-up, a write and a date, so the date parser and both kinds of tool are loaded.
WARM_UP_QUERY = "Remind me to text Sid tomorrow at 10am that I am running late"
# The prompt and its grammar are what cost on a first plan; a few tokens of output prove generation runs.
WARM_UP_TOKENS = 16


async def warm_up(model: LoadedModel, settings: Settings, tools: ToolSet, toolrag: ToolRAGSource) -> float:
    """Write one throw-away plan through the same path as /plan; returns the seconds it took."""
    start = time.perf_counter()
    if len(tools) == 0:
        return 0.0
    options = PlanOptions.from_settings(settings, WARM_UP_QUERY, tools, datetime.now(user_zone(None)))
    prepared = await prepare_plan(model, replace(options, max_tokens=WARM_UP_TOKENS), toolrag)
    await prepared.planner.plan(prepared.request)
    return time.perf_counter() - start

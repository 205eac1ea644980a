"""StackLens: LLM observability. Record spans, fetch prompts.

import stacklens
stacklens.configure(api_key="sl-...", endpoint="http://127.0.0.1:8480")
stacklens.trace("summary", model="gpt-4o", provider="openai",
                input_tokens=850, output_tokens=120)

Or with clients of their own, several at once (AsyncStackLens for asyncio):

with stacklens.StackLens(api_key="sl-...", endpoint="http://127.0.0.1:8480") as client:
    client.trace("summary", model="gpt-4o", provider="openai",
                 input_tokens=850, output_tokens=120)
"""

from ._api import (
    abudget_status,
    adatasets,
    agovernai,
    aprompts,
    arun_experiment,
    ascore,
    astart_trace,
    atrace,
    budget_status,
    configure,
    datasets,
    flush,
    governai,
    prompts,
    run_experiment,
    score,
    shutdown,
    start_trace,
    stats,
    trace,
)
from ._budgets import Budget, BudgetStatus
from ._client import AsyncStackLens, StackLens
from ._datasets import AsyncDatasets, Dataset, DatasetItem, Datasets
from ._exceptions import (
    ApiError,
    AuthError,
    ConfigurationError,
    NetworkError,
    StackLensError,
    TemplateError,
)
from ._experiments import EvaluationResult, ExperimentSummary
from ._governai import AsyncGovernai, CheckResult, Finding, Governai
from ._instrument_anthropic import instrument_anthropic
from ._instrument_openai import instrument_openai
from ._observe import observe
from ._prompt import Prompt
from ._prompts import AsyncPrompts, Prompts
from ._span import Span
from ._stats import Stats
from ._version import __version__

__all__ = [
    "ApiError",
    "AsyncDatasets",
    "AsyncGovernai",
    "AsyncPrompts",
    "AsyncStackLens",
    "AuthError",
    "Budget",
    "BudgetStatus",
    "CheckResult",
    "ConfigurationError",
    "Dataset",
    "DatasetItem",
    "Datasets",
    "EvaluationResult",
    "ExperimentSummary",
    "Finding",
    "Governai",
    "NetworkError",
    "Prompt",
    "Prompts",
    "Span",
    "StackLens",
    "StackLensError",
    "Stats",
    "TemplateError",
    "__version__",
    "abudget_status",
    "adatasets",
    "agovernai",
    "aprompts",
    "arun_experiment",
    "ascore",
    "astart_trace",
    "atrace",
    "budget_status",
    "configure",
    "datasets",
    "flush",
    "governai",
    "instrument_anthropic",
    "instrument_openai",
    "observe",
    "prompts",
    "run_experiment",
    "score",
    "shutdown",
    "start_trace",
    "stats",
    "trace",
]

"""Running a built package on this machine, as Lambda runs it, under AWS's own runtime client.

The modules, from the bottom up:

- ``errors``: what can go wrong (``LocalRunError``, ``InitError``) and how a
  function error reads;
- ``runtime_api``: the Lambda Runtime API that the runtime client talks to;
- ``directories``: the package unpacked read-only, and the runtime client's
  directory;
- ``isolation`` and ``function_process``: the function's process set up as
  Lambda runs code (read-only task root, private /tmp, not root);
- ``function``: :class:`LocalFunction`, one execution environment;
- ``pool`` and ``server``: several environments behind a local HTTP server
  (``lambda_serve``), with ``front_door``'s mapping between the local origin
  and the function's public one;
- ``invoke_api`` and ``async_runs``: Lambda's Invoke API for a function that invokes
  itself asynchronously (a task), and other environments that run those events;
- ``options``: the one bridge from a ``DeployConfig`` to all of the above.

The names below are the package's interface; the commands, the smoke test
and the function environment use nothing else.
"""

from __future__ import annotations

from django_lambda.local.async_runs import AsyncRuns
from django_lambda.local.directories import RUNTIME_CLIENT, runtime_dir, runtime_entries, unpack
from django_lambda.local.errors import (
    InitError,
    LocalRunError,
    format_function_error,
    missing_module,
)
from django_lambda.local.function import (
    InvokeResult,
    LocalFunction,
    lambda_variables,
    local_architecture,
)
from django_lambda.local.isolation import Isolation, unprivileged_user
from django_lambda.local.options import function_options, platform_mismatch
from django_lambda.local.pool import FunctionPool
from django_lambda.local.runtime_api import RuntimeAPI
from django_lambda.local.server import LocalServer, serve

__all__ = [
    "RUNTIME_CLIENT",
    "AsyncRuns",
    "FunctionPool",
    "InitError",
    "InvokeResult",
    "Isolation",
    "LocalFunction",
    "LocalRunError",
    "LocalServer",
    "RuntimeAPI",
    "format_function_error",
    "function_options",
    "lambda_variables",
    "local_architecture",
    "missing_module",
    "platform_mismatch",
    "runtime_dir",
    "runtime_entries",
    "serve",
    "unpack",
    "unprivileged_user",
]

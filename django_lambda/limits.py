"""Lambda's payload limits: a synchronous result, measured as the function's runtime client
serialises it, and an asynchronous invocation's event.

Lambda refuses a result over 6 MB and fails the invocation, with no log line
from the function: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
What counts is the JSON that the runtime client sends, and that depends on
the runtime. awslambdaric's marshaller (``lambda_runtime_marshaller.Encoder``)
passes ``ensure_ascii=False`` only on python3.12 and later, told apart by
``AWS_EXECUTION_ENV``; on python3.10 and 3.11 every non-ASCII character is
escaped as ``\\uXXXX`` (twelve bytes for one outside the BMP, such as an
emoji). Its separators are ``", "`` and ``": "``, the same as ``json.dumps``.
"""

from __future__ import annotations

import json
import os
from typing import Any

# Lambda's limit for a synchronous invocation's response payload.
RESPONSE_LIMIT = 6 * 1024 * 1024

# Lambda's limit for an asynchronous invocation's event (InvocationType=Event),
# the request payload as sent: an Invoke over it fails with RequestTooLargeException.
ASYNC_EVENT_LIMIT = 1024 * 1024

# The most bytes one character of a string takes in the serialised result:
# "\ud83d\ude00" for one outside the BMP when escaped; "\u0001" for a control
# character otherwise.
MAX_CHAR_BYTES = 12

# CloudWatch Logs' limit for one log event: Lambda cuts a longer line.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html
LOG_EVENT_LIMIT = 256 * 1024

_RUNTIME_PREFIX = "AWS_Lambda_python3."


def escapes_non_ascii(execution_env: str | None) -> bool:
    """Whether the runtime client on ``execution_env`` escapes non-ASCII characters.

    Anything but a python3.12-or-later Lambda runtime counts as escaping: the
    larger of the two measures is the safe one.
    """
    if not execution_env or not execution_env.startswith(_RUNTIME_PREFIX):
        return True
    minor = execution_env[len(_RUNTIME_PREFIX) :]
    return not (minor.isdigit() and int(minor) >= 12)


# Read once: Lambda sets it before the init phase and never changes it.
ENSURE_ASCII = escapes_non_ascii(os.environ.get("AWS_EXECUTION_ENV"))


def serialized_size(value: Any) -> int:
    """The bytes of ``value`` as the runtime client will send it."""
    text = json.dumps(value, ensure_ascii=ENSURE_ASCII)
    if ENSURE_ASCII:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def text_size(text: str) -> int:
    """The bytes ``text`` takes inside the serialised result, without its quotes."""
    return serialized_size(text) - 2

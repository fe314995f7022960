"""The function's CloudWatch Logs (``/aws/lambda/<FUNCTION_NAME>``): read for
``lambda_logs``, and written by the sandbox's local runs, as Lambda writes them.

Lambda writes one stream per execution environment: ``START RequestId: ...``,
the lines the code printed or logged, ``END RequestId: ...`` and ``REPORT
RequestId: ...``. Python's logging in the runtime puts the request id in the
third tab-separated field of each line; a ``print()`` has none, so a line
takes the request id its stream last started.
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.errors import DeployError

# --since as a duration: 30s, 10m, 1h, 2d.
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_REQUEST_LINE = re.compile(r"^(?:START|END|REPORT) RequestId: ([0-9a-fA-F-]{36})")
_LOGGED_LINE = re.compile(r"^\[[A-Z]+\]\t[^\t]*\t([0-9a-fA-F-]{36})\t")

# --follow's polling: one second between polls while events come, up to this when quiet.
POLL_DELAYS = (1.0, 2.0, 4.0, 8.0)


def log_group(function_name: str) -> str:
    """The CloudWatch Logs group Lambda writes ``function_name``'s logs into."""
    return f"/aws/lambda/{function_name}"


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: a duration before ``now`` (``10m``, ``1h``, ``2d``) or an ISO time
    (UTC unless it names its zone). ValueError, saying what is accepted, otherwise."""
    match = _DURATION.match(text.strip())
    if match:
        amount, unit = match.groups()
        return now - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a duration (30s, 10m, 1h, 2d) nor an ISO time "
            "(2026-11-30T14:00, 2026-11-30T14:00:00+01:00)."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class LogEvent:
    """One log event: when, in which stream, the request it belongs to, and its text."""

    timestamp: int  # milliseconds since the epoch, as CloudWatch counts
    stream: str
    message: str
    request_id: str | None
    event_id: str

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, tz=timezone.utc)


class LogReader:
    """Reads ``function_name``'s log group, one stream's request id carried between lines."""

    def __init__(self, aws: Aws, function_name: str, *, pattern: str | None = None) -> None:
        self.aws = aws
        self.group = log_group(function_name)
        self.pattern = pattern
        self._requests: dict[str, str] = {}  # stream -> the request it last started

    def events(self, start: datetime, end: datetime | None = None) -> list[LogEvent]:
        """The events from ``start`` (to ``end``), oldest first; none when there is no
        group yet (no invocation has logged)."""
        arguments: dict[str, Any] = {
            "logGroupName": self.group,
            "startTime": int(start.timestamp() * 1000),
        }
        if end is not None:
            arguments["endTime"] = int(end.timestamp() * 1000)
        if self.pattern:
            arguments["filterPattern"] = self.pattern
        resource = f"log group {self.group!r}"
        found: list[dict[str, Any]] = []
        try:
            for page in self.aws.pages(
                "logs",
                "filter_log_events",
                resource,
                marker=("nextToken", "nextToken"),
                **arguments,
            ):
                found.extend(page.get("events", []))
        except DeployError as exc:
            if exc.code == "ResourceNotFoundException":
                return []
            raise
        found.sort(key=lambda event: (event["timestamp"], event.get("eventId", "")))
        return [self._event(raw) for raw in found]

    def _event(self, raw: dict[str, Any]) -> LogEvent:
        message = str(raw["message"]).rstrip("\n")
        stream = str(raw.get("logStreamName", ""))
        request = _REQUEST_LINE.match(message) or _LOGGED_LINE.match(message)
        if request:
            self._requests[stream] = request.group(1)
        request_id = request.group(1) if request else self._requests.get(stream)
        return LogEvent(raw["timestamp"], stream, message, request_id, str(raw.get("eventId")))

    def follow(self, start: datetime) -> Iterator[LogEvent]:
        """The events from ``start`` on, then each new one as it comes, until the caller
        stops (Ctrl-C). It polls, waiting longer while nothing comes."""
        seen: set[str] = set()
        since, quiet_polls = start, 0
        while True:
            new = [event for event in self.events(since) if event.event_id not in seen]
            for event in new:
                seen.add(event.event_id)
                yield event
            if new:
                # Events of the same millisecond may still arrive: ask from there again.
                since = new[-1].time
                quiet_polls = 0
            else:
                quiet_polls += 1
            time.sleep(POLL_DELAYS[min(quiet_polls, len(POLL_DELAYS) - 1)])


class LogWriter:
    """Writes one local execution environment's invocations into the function's log group,
    as Lambda does: the sandbox's, so ``lambda_logs --sandbox`` shows them."""

    def __init__(self, aws: Aws, function_name: str, version: str = "$LATEST") -> None:
        self.aws = aws
        self.group = log_group(function_name)
        self.version = version
        today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        self.stream = f"{today}/[{version}]{uuid.uuid4().hex}"
        self._created = False
        # lambda_serve's environments share one writer, and write from their threads.
        self._lock = threading.Lock()

    def __call__(self, request_id: str, log: str, report: str) -> None:
        """Write one invocation: its START line, what it printed, its END and REPORT lines."""
        with self._lock:
            self._write(request_id, log, report)

    def _write(self, request_id: str, log: str, report: str) -> None:
        resource = f"log group {self.group!r}"
        if not self._created:
            try:
                self.aws.call("logs", "create_log_group", resource, logGroupName=self.group)
            except DeployError as exc:
                if exc.code != "ResourceAlreadyExistsException":
                    raise
            self.aws.call(
                "logs",
                "create_log_stream",
                resource,
                logGroupName=self.group,
                logStreamName=self.stream,
            )
            self._created = True
        lines = [
            f"START RequestId: {request_id} Version: {self.version}",
            *(line for line in log.splitlines() if line.strip()),
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\t{report}",
        ]
        now = int(time.time() * 1000)
        self.aws.call(
            "logs",
            "put_log_events",
            resource,
            logGroupName=self.group,
            logStreamName=self.stream,
            logEvents=[{"timestamp": now, "message": line} for line in lines],
        )

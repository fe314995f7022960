"""boto3 clients, made here, lazily, and nowhere else; every AWS call goes through ``call()``,
which retries conflicts and throttling and turns a failure into an explained ``DeployError``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from django_lambda.aws.errors import (
    NOT_FOUND_CODES,
    RETRYABLE_CODES,
    DeployError,
    error_code,
    explain,
)
from django_lambda.configuration import DeployConfig
from django_lambda.progress import Say, quiet

RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)

# Whether an error (its code and message) is one to wait out, besides RETRYABLE_CODES.
RetryIf = Callable[[str, str], bool]


def never(code: str, message: str) -> bool:
    """A ``RetryIf`` for calls with no errors of their own to wait out."""
    return False


def client(service_name: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service_name`` in ``region`` (None: boto3's default) and at
    ``endpoint_url`` (None: AWS's).

    boto3 is imported here, not at module level, so that the request path
    never pays for it. ``AWS_ENDPOINT_URL`` in the environment (boto3's own
    variable) also redirects every client, which is how the sandbox works.
    """
    import boto3

    # Typed as Any: the stubs only accept literal service names.
    session: Any = boto3.session.Session()
    return session.client(service_name, region_name=region, endpoint_url=endpoint_url)


def credential_variables() -> dict[str, str]:
    """The deploying user's credentials, as the environment variables boto3 reads.

    Resolved here from wherever boto3 finds them (a profile, SSO, the
    environment), so a child process that uploads for the deploy needs no
    access to the profiles themselves. Empty when there are none: the child's
    boto3 then reports NoCredentialsError, as this process's would.
    """
    import boto3

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        return {}
    frozen = credentials.get_frozen_credentials()
    variables = {
        "AWS_ACCESS_KEY_ID": str(frozen.access_key),
        "AWS_SECRET_ACCESS_KEY": str(frozen.secret_key),
    }
    if frozen.token:
        variables["AWS_SESSION_TOKEN"] = frozen.token
    return variables


def call(
    aws_client: Any,
    operation: str,
    resource: str,
    *,
    region: str | None = None,
    say: Say = quiet,
    retry_if: RetryIf = never,
    **kwargs: Any,
) -> Any:
    """``operation`` of ``aws_client`` with ``kwargs``; a DeployError naming ``resource`` (in
    ``region``) when it fails. Conflicts and throttling are retried with backoff, and so are
    the errors ``retry_if`` accepts (a role IAM has not propagated yet, ...)."""
    from botocore.exceptions import BotoCoreError, ClientError

    method = getattr(aws_client, operation)
    for attempt, delay in enumerate((*RETRY_DELAYS, None)):
        try:
            return method(**kwargs)
        except ClientError as exc:
            code = error_code(exc)
            # The same code also means "already exists", which waiting cannot fix.
            exists = "already exist" in str(exc)
            waited_out = code in RETRYABLE_CODES and not exists
            own = not waited_out and retry_if(code, str(exc))
            if (waited_out or own) and delay is not None:
                # An error of the call's own is not self-explanatory: AWS's message says it.
                why = f" ({exc.response['Error'].get('Message', '')})" if own else ""
                say(f"{code} from {operation}{why}; retry {attempt + 1} in {delay:g}s")
                time.sleep(delay)
                continue
            raise explain(exc, operation=operation, resource=resource, region=region) from exc
        except BotoCoreError as exc:
            raise explain(exc, operation=operation, resource=resource, region=region) from exc
    raise AssertionError("unreachable")  # pragma: no cover


class Aws:
    """AWS in one region and at one endpoint: a client per service, made when first
    needed, and ``call()`` through them, its retries reported with ``say``."""

    def __init__(
        self, *, region: str | None = None, endpoint_url: str | None = None, say: Say = quiet
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.say = say
        self._clients: dict[str, Any] = {}

    @classmethod
    def of(cls, config: DeployConfig, *, say: Say = quiet) -> Aws:
        """AWS where ``config``'s function is: its region and endpoint."""
        return cls(region=config.region, endpoint_url=config.endpoint_url, say=say)

    def client(self, service_name: str) -> Any:
        if service_name not in self._clients:
            # Looked up on the module at call time, so tests can replace it.
            self._clients[service_name] = client(
                service_name, region=self.region, endpoint_url=self.endpoint_url
            )
        return self._clients[service_name]

    def explain(self, exc: Exception, *, operation: str, resource: str) -> DeployError:
        return explain(exc, operation=operation, resource=resource, region=self.region)

    def call(self, service_name: str, operation: str, resource: str, **kwargs: Any) -> Any:
        """One AWS call (``call()``) with this AWS's client for ``service_name``."""
        return self.call_retrying(never, service_name, operation, resource, **kwargs)

    def call_retrying(
        self, retry_if: RetryIf, service_name: str, operation: str, resource: str, **kwargs: Any
    ) -> Any:
        """``call``, also retrying the errors ``retry_if`` accepts."""
        return call(
            self.client(service_name),
            operation,
            resource,
            region=self.region,
            say=self.say,
            retry_if=retry_if,
            **kwargs,
        )

    def missing(self, service_name: str, operation: str, resource: str, **kwargs: Any) -> Any:
        """``call``, but None when AWS answers that the resource does not exist."""
        try:
            return self.call(service_name, operation, resource, **kwargs)
        except DeployError as exc:
            if exc.code in NOT_FOUND_CODES:
                return None
            raise

    def pages(
        self,
        service_name: str,
        operation: str,
        resource: str,
        *,
        marker: tuple[str, str],
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Each page of a listing; ``marker`` names the key that continues it, in the
        request and in the answer (("Marker", "NextMarker"), ("NextToken", "NextToken"))."""
        asked, answered = marker
        while True:
            page: dict[str, Any] = self.call(service_name, operation, resource, **kwargs)
            yield page
            if not page.get(answered):
                return
            kwargs[asked] = page[answered]

"""What a failed AWS call means: AWS's error code, a hint how to fix it, one ``DeployError``."""

from __future__ import annotations

from django_lambda.conf import SETTING_NAME

# ResourceConflictException: another update of the function is still running
# (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). The
# others are throttling. botocore's own retries do not cover the first.
RETRYABLE_CODES = frozenset(
    {
        "ResourceConflictException",
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
    }
)

# The identity may not make the call.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})

# The resource is not there, as each service says it (Lambda, IAM, API Gateway, S3).
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFoundException", "NoSuchEntity", "NotFoundException", "NoSuchBucket", "404"}
)


class DeployError(Exception):
    """An AWS call failed; the message names the resource, the AWS error code and a fix."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def error_code(exc: BaseException) -> str:
    """AWS's error code for ``exc`` (a ClientError's), else the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "Unknown"))
    # boto3's S3UploadFailedError is raised while handling the ClientError.
    context = getattr(exc.__context__, "response", None)
    if isinstance(context, dict):
        return str(context.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


def explain(
    exc: Exception, *, operation: str, resource: str, region: str | None = None
) -> DeployError:
    """A DeployError for a failed AWS call in ``region`` (None: boto3's default): what was
    done to what, AWS's code, and a hint."""
    code = error_code(exc)
    message = str(exc)
    text = f"{operation} on {resource} failed ({code}): {message}"
    hint = _hint(code, operation, message, region or "boto3's default region")
    if hint:
        text += f"\nHint: {hint}"
    return DeployError(text, code=code)


def _hint(code: str, operation: str, message: str, region: str) -> str:
    if code == "NoCredentialsError":
        return (
            "No AWS credentials were found. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws configure`."
        )
    if code in {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredToken"}:
        return "The AWS credentials are invalid or expired; refresh them (`aws sso login`, ...)."
    if code == "EndpointConnectionError":
        return (
            f"Cannot reach AWS in {region}. Check {SETTING_NAME}['REGION'] and "
            f"{SETTING_NAME}['ENDPOINT_URL'], and the network."
        )
    if code in ACCESS_DENIED_CODES:
        return (
            f"The deploying identity may not call {operation}. Attach the IAM policy from "
            "the documentation, how-to 'Permissions on AWS'."
        )
    if code == "InvalidParameterValueException" and "role" in message.lower():
        return (
            f"Lambda cannot assume the execution role ({SETTING_NAME}['ROLE_ARN'], or the "
            "one lambda_deploy created). Check that the role exists and that its trust "
            "policy allows lambda.amazonaws.com; a new role was given half a minute to "
            "propagate through IAM."
        )
    if code in {"ResourceNotFoundException", "NoSuchBucket", "404"}:
        return f"It does not exist in {region}. Check {SETTING_NAME}['REGION'] and the name."
    if code == "ResourceConflictException" and "already exist" in message:
        return "Something else (another deploy?) created it meanwhile; deploy again."
    if code in RETRYABLE_CODES:
        return "AWS kept refusing while another update ran or under throttling; deploy again."
    if code == "CodeStorageExceededException":
        return "The account's code storage is full; delete old function versions."
    if code == "RequestEntityTooLargeException":
        return f"Set {SETTING_NAME}['S3_BUCKET'] to upload the package through S3."
    return ""

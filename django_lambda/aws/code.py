"""The package on its way to Lambda: in the request up to 50 MB zipped, through S3 above,
under a key named by its content (``package_key``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.errors import DeployError
from django_lambda.conf import SETTING_NAME
from django_lambda.package import BuildResult, format_largest, format_size, sha256_hex

# Above this a zip cannot go in the request body of CreateFunction/UpdateFunctionCode:
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024

Progress = Callable[[int, int], None]  # (bytes sent so far, total bytes)


def package_key(function_name: str, code_sha256: str) -> str:
    """The S3 key of a function's package, named by its content (``CodeSha256``): a
    retried deploy finds the upload that completed, the sandbox the code a function runs."""
    return f"django-lambda/{function_name}/{sha256_hex(code_sha256)}.zip"


class Code:
    """How ``function_name``'s package reaches Lambda: directly, or through ``s3_bucket``."""

    def __init__(self, aws: Aws, *, function_name: str, s3_bucket: str | None) -> None:
        self.aws = aws
        self.say = aws.say
        self.function_name = function_name
        self.s3_bucket = s3_bucket

    def check(self, build: BuildResult) -> None:
        """Refuse a package too large for a direct upload when there is no bucket."""
        if build.zipped_size > DIRECT_UPLOAD_LIMIT and not self.s3_bucket:
            raise DeployError(
                f"The package is {format_size(build.zipped_size)} zipped, over Lambda's "
                f"{format_size(DIRECT_UPLOAD_LIMIT)} limit for a direct upload.\n"
                f"Hint: set {SETTING_NAME}['S3_BUCKET'] to a bucket in the function's "
                "region to upload through S3, or leave out some of the largest "
                f"packages: {format_largest(build.largest)}.",
                code="PackageTooLarge",
            )

    def location(self, build: BuildResult, progress: Progress | None) -> dict[str, Any]:
        """Code arguments for Create/UpdateFunction(Code): the bytes, or an S3 object."""
        if build.zipped_size <= DIRECT_UPLOAD_LIMIT:
            self.say(f"Uploading {format_size(build.zipped_size)} directly to Lambda.")
            return {"ZipFile": build.zip_path.read_bytes()}
        bucket = self.s3_bucket
        assert bucket is not None, "check() refuses this"
        key = package_key(self.function_name, build.sha256)
        resource = f"s3://{bucket}/{key}"
        try:
            self.aws.call("s3", "head_object", resource, Bucket=bucket, Key=key)
        except DeployError as exc:
            if exc.code not in {"404", "NoSuchKey"}:
                raise
            self.upload_to_s3(build, bucket, key, progress)
        else:
            self.say(f"{resource} is already uploaded.")
        return {"S3Bucket": bucket, "S3Key": key}

    def upload_to_s3(
        self, build: BuildResult, bucket: str, key: str, progress: Progress | None
    ) -> None:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        self.say(f"Uploading {format_size(build.zipped_size)} to s3://{bucket}/{key}.")
        sent = 0

        def callback(chunk: int) -> None:
            nonlocal sent
            sent += chunk
            if progress:
                progress(sent, build.zipped_size)

        try:
            self.aws.client("s3").upload_file(str(build.zip_path), bucket, key, Callback=callback)
        except (S3UploadFailedError, ClientError, BotoCoreError) as exc:
            # upload_file wraps the S3 error in its message; keep AWS's code.
            raise self.aws.explain(
                exc, operation="upload_file", resource=f"s3://{bucket}/{key}"
            ) from exc

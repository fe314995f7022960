"""What the sandbox holds for a deploy: the execution role functions run as, and the
buckets (the code bucket, the static files' buckets, readable by anyone)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django_lambda import aws
from django_lambda.sandbox.server import SandboxInfo

ROLE_NAME = "django-lambda-sandbox"

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def ensure_resources(
    info: SandboxInfo, buckets: Iterable[str], public_buckets: Iterable[str]
) -> str:
    """Create the role and the buckets if missing (each step safe to rerun); the role ARN."""
    role_arn = ensure_role(info)
    s3 = info.client("s3")
    public_buckets = list(public_buckets)
    for bucket in dict.fromkeys([*buckets, *public_buckets]):
        _ensure_bucket(s3, bucket, info.region)
    for bucket in public_buckets:
        # moto, like S3, refuses anonymous reads unless a policy allows them.
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    return role_arn


def ensure_role(info: SandboxInfo) -> str:
    """The sandbox's execution role for functions, created if missing; its ARN."""
    iam = info.client("iam")
    try:
        role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
            Description="Execution role for functions deployed to the django-lambda sandbox",
        )["Role"]
    return str(role["Arn"])


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": region},
            )


def ensure_public_bucket(info: SandboxInfo, bucket: str) -> None:
    """Create ``bucket`` in the sandbox if missing, readable by anyone, as a static
    files bucket is: the one the function's settings name, which the deploy learns
    only with the function's environment."""
    ensure_resources(info, [], [bucket])


def public_read_policy(bucket: str) -> dict[str, Any]:
    """The static bucket's public-read policy (``aws.buckets``), as moto needs it.

    S3 authorizes HEAD with s3:GetObject, but moto checks an anonymous HEAD
    against "s3:HeadObject", an action IAM does not have (and real S3 would
    refuse in a policy), so without it HEAD is a 403 where GET is a 200.
    """
    policy = aws.public_read_policy(bucket)
    policy["Statement"][0]["Action"] = ["s3:GetObject", "s3:HeadObject"]
    return policy

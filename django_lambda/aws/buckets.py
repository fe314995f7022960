"""The static files' bucket: created by ``lambda_deploy`` when ``StaticStorage``'s bucket does
not exist, readable by anyone (or by CloudFront only, when a custom domain serves it), and
removed by ``lambda_undeploy --delete-static-bucket`` when a deploy created it.

A new bucket keeps ACLs blocked and allows public *policies* at the bucket
level, then gets a policy that lets anyone read (not list) its objects. The
account's own Block Public Access can forbid that policy; the error then
says so, with the two ways out.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.errors import ACCESS_DENIED_CODES, NOT_FOUND_CODES, DeployError
from django_lambda.aws.ownership import OWNER_TAG, owner, owner_tags, tag_list

# Bucket-level Block Public Access for a bucket whose objects anyone may read:
# ACLs stay blocked, a public bucket policy is allowed.
ALLOW_PUBLIC_POLICY = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}

LIFT_ACCOUNT_BLOCK = (
    "aws s3control put-public-access-block --account-id <your account id> "
    "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
    "BlockPublicPolicy=false,RestrictPublicBuckets=false"
)


def public_read_policy(bucket: str) -> dict[str, Any]:
    """A bucket policy that lets anyone read the bucket's objects (not list them)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadForStaticFiles",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@dataclass(frozen=True)
class StaticBucket:
    """The bucket ``StaticStorage`` uploads to, as the function's settings name it."""

    name: str
    function_name: str
    # AWS_S3_CUSTOM_DOMAIN (CloudFront, ...): the bucket is then not made public.
    custom_domain: str | None = None

    @property
    def resource(self) -> str:
        return f"bucket {self.name!r}"

    def describe(self) -> str:
        """What creating it does, for the output."""
        if self.custom_domain:
            return (
                f"private (static files are served from {self.custom_domain}; give that "
                "distribution read access)"
            )
        return "its objects readable by anyone, ACLs blocked"


def bucket_exists(aws: Aws, bucket: StaticBucket) -> bool:
    """Whether ``bucket`` exists and this identity may use it; a DeployError when it exists
    and belongs to another account (S3 answers 403 to HeadBucket)."""
    try:
        aws.call("s3", "head_bucket", bucket.resource, Bucket=bucket.name)
    except DeployError as exc:
        if exc.code in NOT_FOUND_CODES:
            return False
        if exc.code in {"403", *ACCESS_DENIED_CODES}:
            raise _taken(bucket, exc.code or "403") from exc
        raise
    return True


def ensure_static_bucket(aws: Aws, bucket: StaticBucket, tags: dict[str, str]) -> bool:
    """Create ``bucket`` in ``aws``'s region unless it exists; whether it was created."""
    if bucket_exists(aws, bucket):
        return False
    arguments: dict[str, Any] = {"Bucket": bucket.name}
    if aws.region and aws.region != "us-east-1":
        # us-east-1 is S3's default location and refuses to be named.
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    try:
        aws.call("s3", "create_bucket", bucket.resource, **arguments)
    except DeployError as exc:
        if exc.code == "BucketAlreadyExists":
            raise _taken(bucket, exc.code) from exc
        if exc.code != "BucketAlreadyOwnedByYou":
            raise
    resource, name = bucket.resource, bucket.name
    aws.call(
        "s3",
        "put_bucket_tagging",
        resource,
        Bucket=name,
        Tagging={"TagSet": tag_list(owner_tags(bucket.function_name, tags))},
    )
    if not bucket.custom_domain:
        aws.call(
            "s3",
            "put_public_access_block",
            resource,
            Bucket=name,
            PublicAccessBlockConfiguration=ALLOW_PUBLIC_POLICY,
        )
        try:
            aws.call(
                "s3",
                "put_bucket_policy",
                resource,
                Bucket=name,
                Policy=json.dumps(public_read_policy(name)),
            )
        except DeployError as exc:
            if exc.code in ACCESS_DENIED_CODES and "public" in str(exc).lower():
                raise _account_blocks_public_policies(bucket, exc.code) from exc
            raise
    aws.say(f"Created {resource} in {aws.region or 'the default region'}, {bucket.describe()}.")
    return True


def _taken(bucket: StaticBucket, code: str) -> DeployError:
    return DeployError(
        f"{bucket.resource} exists, and belongs to another AWS account ({code}): bucket "
        "names are global.\n"
        "Hint: choose another name for the static files' bucket (bucket_name in "
        "STORAGES['staticfiles']['OPTIONS'], or AWS_STORAGE_BUCKET_NAME), one no account "
        "uses yet, such as one that starts with your project's and account's names.",
        code=code,
    )


def _account_blocks_public_policies(bucket: StaticBucket, code: str) -> DeployError:
    return DeployError(
        f"{bucket.resource} was created, but this account's Block Public Access forbids "
        f"the bucket policy that lets browsers read its static files ({code}).\n"
        "Hint: either serve the static files through CloudFront: create a distribution "
        f"with {bucket.name!r} as its origin (origin access control), set custom_domain in "
        "STORAGES['staticfiles']['OPTIONS'] (or AWS_S3_CUSTOM_DOMAIN) to its domain, and "
        "deploy again (the bucket then stays private); or, if public buckets are acceptable "
        f"in this account, lift the account's block of public policies:\n    {LIFT_ACCOUNT_BLOCK}",
        code=code,
    )


def bucket_owner(aws: Aws, name: str) -> str | None:
    """The function whose deploy created bucket ``name``, from its tags; None if none did."""
    try:
        answer = aws.call("s3", "get_bucket_tagging", f"bucket {name!r}", Bucket=name)
    except DeployError as exc:
        if exc.code == "NoSuchTagSet":
            return None
        raise
    return owner(answer.get("TagSet"))


def delete_bucket(aws: Aws, bucket: StaticBucket) -> bool:
    """Empty and delete ``bucket`` if a deploy of its function created it; False if there is
    no such bucket. A DeployError when someone else's bucket has that name."""
    if not bucket_exists(aws, bucket):
        return False
    if bucket_owner(aws, bucket.name) != bucket.function_name:
        raise DeployError(
            f"{bucket.resource} was not created by a deploy of function "
            f"{bucket.function_name!r} (it lacks the tag {OWNER_TAG}={bucket.function_name}), "
            "so it is kept.\n"
            "Hint: empty and delete it yourself if you no longer need it "
            f"(`aws s3 rb s3://{bucket.name} --force`), or drop --delete-static-bucket.",
            code="BucketNotOwned",
        )
    # Each listing after a deletion starts over, until nothing is left (versions too).
    while True:
        page = aws.call("s3", "list_object_versions", bucket.resource, Bucket=bucket.name)
        objects = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for kind in ("Versions", "DeleteMarkers")
            for item in page.get(kind, [])
        ]
        if not objects:
            break
        aws.call(
            "s3",
            "delete_objects",
            bucket.resource,
            Bucket=bucket.name,
            Delete={"Objects": objects, "Quiet": True},
        )
    aws.call("s3", "delete_bucket", bucket.resource, Bucket=bucket.name)
    return True

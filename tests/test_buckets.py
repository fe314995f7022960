"""The static files' bucket lambda_deploy creates when StaticStorage's bucket does not exist
(moto in-process, an account with no bucket; AWS's refusals through Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from django_lambda import aws
from django_lambda.aws.ownership import OWNER_TAG


@pytest.fixture
def empty_account() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


def s3(region: str = "us-east-1") -> Any:
    return boto3.client("s3", region_name=region)


def ensure(bucket: aws.StaticBucket, region: str = "us-east-1") -> tuple[bool, list[str]]:
    said: list[str] = []
    created = aws.ensure_static_bucket(
        aws.Aws(region=region, say=said.append), bucket, {"team": "web"}
    )
    return created, said


def test_a_missing_bucket_is_created_readable_by_anyone(empty_account: None) -> None:
    created, said = ensure(aws.StaticBucket("site-static", "site"), region="eu-west-1")

    assert created
    client = s3("eu-west-1")
    assert client.get_bucket_location(Bucket="site-static")["LocationConstraint"] == "eu-west-1"
    policy = json.loads(client.get_bucket_policy(Bucket="site-static")["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "PublicReadForStaticFiles",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site-static/*",
        }
    ]
    block = client.get_public_access_block(Bucket="site-static")
    assert block["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    tags = client.get_bucket_tagging(Bucket="site-static")["TagSet"]
    assert sorted((tag["Key"], tag["Value"]) for tag in tags) == [
        (OWNER_TAG, "site"),
        ("team", "web"),
    ]
    assert said == [
        "Created bucket 'site-static' in eu-west-1, its objects readable by anyone, ACLs blocked."
    ]


def test_an_existing_bucket_is_left_as_it_is(empty_account: None) -> None:
    s3().create_bucket(Bucket="site-static")

    created, said = ensure(aws.StaticBucket("site-static", "site"))

    assert not created
    assert said == []
    with pytest.raises(s3().exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3().get_bucket_policy(Bucket="site-static")


def test_with_a_custom_domain_the_bucket_stays_private(empty_account: None) -> None:
    created, said = ensure(aws.StaticBucket("site-static", "site", "static.example.com"))

    assert created
    with pytest.raises(s3().exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3().get_bucket_policy(Bucket="site-static")
    assert said == [
        "Created bucket 'site-static' in us-east-1, private (static files are served from "
        "static.example.com; give that distribution read access)."
    ]


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("s3", region_name="us-east-1")
    monkeypatch.setattr(aws.clients, "client", lambda name, **where: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_a_name_another_account_holds_is_an_error(stubbed: Stubber) -> None:
    stubbed.add_client_error("head_bucket", "404", http_status_code=404)
    stubbed.add_client_error(
        "create_bucket",
        "BucketAlreadyExists",
        "The requested bucket name is not available.",
        http_status_code=409,
    )

    with pytest.raises(aws.DeployError) as raised:
        ensure(aws.StaticBucket("static", "site"))

    assert raised.value.code == "BucketAlreadyExists"
    message = str(raised.value)
    assert message.startswith(
        "bucket 'static' exists, and belongs to another AWS account (BucketAlreadyExists)"
    )
    assert "Hint: choose another name for the static files' bucket (bucket_name in " in message


def test_a_bucket_this_identity_may_not_see_is_someone_elses(stubbed: Stubber) -> None:
    stubbed.add_client_error("head_bucket", "403", http_status_code=403)

    with pytest.raises(aws.DeployError, match=r"belongs to another AWS account \(403\)"):
        ensure(aws.StaticBucket("static", "site"))


def test_the_accounts_block_public_access_is_explained(stubbed: Stubber) -> None:
    stubbed.add_client_error("head_bucket", "404", http_status_code=404)
    stubbed.add_response("create_bucket", {"Location": "/site-static"})
    stubbed.add_response("put_bucket_tagging", {})
    stubbed.add_response("put_public_access_block", {})
    stubbed.add_client_error(
        "put_bucket_policy",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: "
        's3:PutBucketPolicy on resource: "arn:aws:s3:::site-static" because public '
        "policies are blocked by the BlockPublicPolicy block public access setting.",
        http_status_code=403,
    )

    with pytest.raises(aws.DeployError) as raised:
        ensure(aws.StaticBucket("site-static", "site"))

    message = str(raised.value)
    assert raised.value.code == "AccessDenied"
    assert message.startswith(
        "bucket 'site-static' was created, but this account's Block Public Access forbids "
        "the bucket policy that lets browsers read its static files (AccessDenied)."
    )
    assert "serve the static files through CloudFront" in message
    assert "set custom_domain in STORAGES['staticfiles']['OPTIONS']" in message
    assert message.endswith(
        "aws s3control put-public-access-block --account-id <your account id> "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=false,RestrictPublicBuckets=false"
    )


def test_no_permission_to_create_a_bucket(stubbed: Stubber) -> None:
    stubbed.add_client_error("head_bucket", "404", http_status_code=404)
    stubbed.add_client_error("create_bucket", "AccessDenied", "Access Denied", 403)

    with pytest.raises(aws.DeployError) as raised:
        ensure(aws.StaticBucket("site-static", "site"))

    assert str(raised.value) == (
        "create_bucket on bucket 'site-static' failed (AccessDenied): An error occurred "
        "(AccessDenied) when calling the CreateBucket operation: Access Denied\n"
        "Hint: The deploying identity may not call create_bucket. Attach the IAM policy "
        "from the documentation, how-to 'Permissions on AWS'."
    )


def test_delete_empties_and_removes_a_bucket_a_deploy_created(empty_account: None) -> None:
    bucket = aws.StaticBucket("site-static", "site")
    ensure(bucket)
    client = s3()
    client.put_bucket_versioning(
        Bucket="site-static", VersioningConfiguration={"Status": "Enabled"}
    )
    for body in (b"a", b"b"):
        client.put_object(Bucket="site-static", Key="static/site.css", Body=body)

    assert aws.delete_bucket(aws.Aws(region="us-east-1"), bucket)

    assert "site-static" not in [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert not aws.delete_bucket(aws.Aws(region="us-east-1"), bucket)


def test_delete_keeps_a_bucket_no_deploy_created(empty_account: None) -> None:
    s3().create_bucket(Bucket="site-static")

    with pytest.raises(aws.DeployError) as raised:
        aws.delete_bucket(aws.Aws(region="us-east-1"), aws.StaticBucket("site-static", "site"))

    assert raised.value.code == "BucketNotOwned"
    assert "Hint: empty and delete it yourself" in str(raised.value)
    assert [b["Name"] for b in s3().list_buckets()["Buckets"]] == ["site-static"]

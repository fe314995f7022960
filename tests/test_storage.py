"""StaticStorage: collectstatic for real into a moto bucket, URLs from the in-package manifest."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.template import Context, Engine
from django.test import override_settings
from moto import mock_aws

from django_lambda.storage import LazyS3Storage, MissingStaticFileError, StaticStorage
from tests.moto_server import moto_server

BUCKET = "static-bucket"
# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
CSS = 'body { background: url("../img/star.png") no-repeat; }\n'
JS = "document.title = 'stars';\n"


def short_md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()[:12]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A static directory: a stylesheet that references an image, and a script."""
    src = tmp_path / "src"
    (src / "css").mkdir(parents=True)
    (src / "img").mkdir()
    (src / "js").mkdir()
    (src / "css" / "site.css").write_text(CSS)
    (src / "img" / "star.png").write_bytes(PNG)
    (src / "js" / "app.js").write_text(JS)
    return src


@pytest.fixture
def manifest_dir(tmp_path: Path) -> Path:
    path = tmp_path / "package"
    path.mkdir()
    return path


def storage_settings(
    source: Path, manifest_dir: Path, tmp_path: Path, **options: Any
) -> override_settings:
    return override_settings(
        STATIC_ROOT=str(tmp_path / "static_root"),
        STATICFILES_DIRS=[str(source)],
        DJANGO_LAMBDA={"STATIC_MANIFEST_DIR": str(manifest_dir)},
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django_lambda.storage.StaticStorage",
                "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", **options},
            },
        },
    )


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def site(source: Path, manifest_dir: Path, tmp_path: Path, s3: Any) -> Iterator[None]:
    options = {"object_parameters": {"CacheControl": "max-age=31536000, immutable"}}
    with storage_settings(source, manifest_dir, tmp_path, **options):
        yield


def active_storage() -> Any:
    """The storage instance behind ``{% static %}`` and collectstatic."""
    return staticfiles_storage._wrapped  # type: ignore[attr-defined]


def use_fresh_storage(**options: Any) -> StaticStorage:
    """Swap in a new instance, which loads the manifest from disk again."""
    storage = StaticStorage(**options)
    staticfiles_storage._wrapped = storage  # type: ignore[attr-defined]
    return storage


def collectstatic(verbosity: int = 1) -> str:
    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=verbosity, stdout=out)
    return out.getvalue()


def record_s3_calls(storage: Any) -> list[tuple[str, str]]:
    """(operation, key) for every S3 call the storage makes from now on."""
    calls: list[tuple[str, str]] = []

    def before_call(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        calls.append((model.name, params.get("Key", "")))

    storage.s3.connection.meta.client.meta.events.register("before-parameter-build.s3", before_call)
    return calls


def bucket_objects(s3: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Each object's headers: ETag, LastModified, ContentType, CacheControl, ..."""
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    heads = {obj["Key"]: s3.head_object(Bucket=BUCKET, Key=obj["Key"]) for obj in listing}
    for head in heads.values():
        del head["ResponseMetadata"]
    return heads


def render(text: str) -> str:
    return (
        Engine(libraries={"static": "django.templatetags.static"})
        .from_string("{% load static %}" + text)
        .render(Context())
    )


def expected_names() -> dict[str, str]:
    """The hashed names, computed here from the file contents, as Django should."""
    png = f"img/star.{short_md5(PNG)}.png"
    css_body = CSS.replace("../img/star.png", f"../{png}").encode()
    return {
        "css/site.css": f"css/site.{short_md5(css_body)}.css",
        "img/star.png": png,
        "js/app.js": f"js/app.{short_md5(JS.encode())}.js",
    }


# collectstatic


@pytest.mark.usefixtures("site")
def test_collectstatic_uploads_hashed_files_and_writes_the_manifest_locally(
    s3: Any, manifest_dir: Path
) -> None:
    output = collectstatic()

    names = expected_names()
    objects = bucket_objects(s3)
    assert set(objects) == set(names) | set(names.values())
    assert {key: obj["ContentType"] for key, obj in objects.items()} == {
        key: "text/css"
        if key.endswith(".css")
        else "image/png"
        if key.endswith(".png")
        else "text/javascript"
        for key in objects
    }
    assert {obj["CacheControl"] for obj in objects.values()} == {"max-age=31536000, immutable"}
    css = s3.get_object(Bucket=BUCKET, Key=names["css/site.css"])["Body"].read().decode()
    assert css == CSS.replace("../img/star.png", "../" + names["img/star.png"])

    manifest = json.loads((manifest_dir / "staticfiles.json").read_text())
    assert manifest["paths"] == names
    assert "3 static files copied, 3 post-processed." in output


@pytest.mark.usefixtures("site")
def test_second_collectstatic_uploads_and_deletes_nothing(
    s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    collectstatic()
    before = bucket_objects(s3)
    storage = active_storage()
    calls = record_s3_calls(storage)

    with caplog.at_level(logging.INFO, logger="django_lambda.storage"):
        output = collectstatic(verbosity=2)

    writes = [call for call in calls if call[0] in ("PutObject", "CreateMultipartUpload")]
    deletes = [call for call in calls if call[0].startswith("Delete")]
    assert (writes, deletes) == ([], [])
    assert bucket_objects(s3) == before
    assert sorted(storage.already_in_bucket) == sorted(expected_names().values())
    assert storage.uploaded == set()
    assert "0 static files copied, 3 unmodified." in output
    assert caplog.messages == [
        f"3 hashed static files were already in bucket {BUCKET} and were not uploaded "
        "again: " + ", ".join(sorted(expected_names().values()))
    ]
    for name in expected_names():
        assert f"Skipped post-processing '{name}'" in output


@pytest.mark.usefixtures("site")
def test_changed_file_uploads_only_what_changed_and_keeps_old_hashed_files(
    s3: Any, source: Path
) -> None:
    collectstatic()
    old = expected_names()
    storage = active_storage()
    calls = record_s3_calls(storage)
    new_png = PNG + b"\0"
    (source / "img" / "star.png").write_bytes(new_png)
    later = (source / "img" / "star.png").stat().st_mtime + 3600
    os.utime(source / "img" / "star.png", (later, later))

    collectstatic()

    new_png_name = f"img/star.{short_md5(new_png)}.png"
    new_css = CSS.replace("../img/star.png", f"../{new_png_name}").encode()
    new_css_name = f"css/site.{short_md5(new_css)}.css"
    uploaded = {key for op, key in calls if op == "PutObject"}
    assert uploaded == {"img/star.png", new_png_name, new_css_name}
    assert storage.uploaded == {new_png_name, new_css_name}
    assert storage.already_in_bucket == [old["js/app.js"]]
    # The previous version of the site still links to the old hashed files.
    assert set(old.values()) <= set(bucket_objects(s3))


def test_collect_into_needs_no_aws_and_upload_collected_sends_it_up(
    source: Path, manifest_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = tmp_path / "staged"
    options: dict[str, Any] = {
        "location": "static",
        "object_parameters": {"CacheControl": "immutable"},
    }
    with storage_settings(source, manifest_dir, tmp_path, **options):
        options.update(bucket_name=BUCKET, region_name="us-east-1")
        # No credentials and no AWS: collecting touches neither.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name)
        use_fresh_storage(**options).collect_into(staged)
        output = collectstatic()
        names = expected_names()
        assert "3 static files copied, 3 post-processed." in output
        assert json.loads((manifest_dir / "staticfiles.json").read_text())["paths"] == names
        collected = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
        assert collected == set(names) | set(names.values())
        assert (staged / names["css/site.css"]).read_text() == CSS.replace(
            "../img/star.png", "../" + names["img/star.png"]
        )
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        with mock_aws():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket=BUCKET)
            storage = use_fresh_storage(**options)

            uploaded, present = storage.upload_collected(staged)

            assert (uploaded, present) == (sorted(collected), [])
            objects = bucket_objects(s3)
            assert set(objects) == {f"static/{name}" for name in collected}
            assert {obj["CacheControl"] for obj in objects.values()} == {"immutable"}
            key = f"static/{names['js/app.js']}"
            assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == JS.encode()

            # Again, with one original changed in place (same name, other bytes):
            # only it goes up; hashed names are never uploaded twice.
            (staged / "js" / "app.js").write_text("changed();\n")
            uploaded, present = use_fresh_storage(**options).upload_collected(staged)

            assert uploaded == ["js/app.js"]
            assert present == sorted(collected - {"js/app.js"})
            assert bucket_objects(s3)[key] == objects[key]


@pytest.mark.usefixtures("site")
def test_dry_run_uploads_nothing_and_writes_no_manifest(s3: Any, manifest_dir: Path) -> None:
    out = io.StringIO()
    call_command("collectstatic", interactive=False, dry_run=True, verbosity=1, stdout=out)
    assert bucket_objects(s3) == {}
    assert not (manifest_dir / "staticfiles.json").exists()
    assert "3 static files copied" in out.getvalue()


# Request time


@pytest.mark.usefixtures("site")
def test_static_tag_renders_bucket_urls_from_the_local_manifest() -> None:
    collectstatic()
    storage = use_fresh_storage(bucket_name=BUCKET, region_name="us-east-1")
    names = expected_names()

    html = render("{% static 'css/site.css' %} {% static 'img/star.png' %}")

    assert html == (
        f"https://{BUCKET}.s3.amazonaws.com/{names['css/site.css']} "
        f"https://{BUCKET}.s3.amazonaws.com/{names['img/star.png']}"
    )
    # The page was rendered without creating the boto3-backed storage at all.
    assert "s3" not in storage.__dict__


def test_location_and_custom_domain(
    s3: Any, source: Path, manifest_dir: Path, tmp_path: Path
) -> None:
    with storage_settings(
        source, manifest_dir, tmp_path, location="assets", custom_domain="cdn.example.com"
    ):
        collectstatic()
        html = render("{% static 'js/app.js' %}")
        calls = record_s3_calls(active_storage())
        collectstatic()
    names = expected_names()
    assert set(bucket_objects(s3)) == {f"assets/{key}" for key in (*names, *names.values())}
    assert html == f"https://cdn.example.com/assets/{names['js/app.js']}"
    # Under a location too, the second run finds every hashed file in the bucket.
    assert [call for call in calls if call[0] in ("PutObject", "DeleteObject")] == []


@pytest.mark.slow
def test_endpoint_url_against_moto_server(source: Path, manifest_dir: Path, tmp_path: Path) -> None:
    with moto_server() as endpoint:
        client = boto3.client("s3", region_name="eu-west-3", endpoint_url=endpoint)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        with storage_settings(
            source, manifest_dir, tmp_path, endpoint_url=endpoint, region_name="eu-west-3"
        ):
            collectstatic()
            assert active_storage().s3.endpoint_url == endpoint
            assert active_storage().s3.region_name == "eu-west-3"
            html = render("{% static 'img/star.png' %}")
        keys = {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET)["Contents"]}
    names = expected_names()
    assert keys == set(names) | set(names.values())
    assert html == f"{endpoint}/{BUCKET}/{names['img/star.png']}"


# The manifest comes from the package, never from the bucket.


class TalkStyleStorage(ManifestFilesMixin, LazyS3Storage):  # type: ignore[misc]
    """The talk's approach: the manifest storage as a class attribute."""

    manifest_storage = FileSystemStorage()  # replaced by `self` on Django >= 4.0


def manifest_used(storage_class: type[Any], manifest_dir: Path, s3: Any) -> str:
    """Which manifest a fresh storage resolves 'css/site.css' with: "package" or "bucket"."""
    local = {"paths": {"css/site.css": "css/site.package.css"}, "version": "1.1", "hash": ""}
    remote = {"paths": {"css/site.css": "css/site.bucket.css"}, "version": "1.1", "hash": ""}
    (manifest_dir / "staticfiles.json").write_text(json.dumps(local))
    s3.put_object(Bucket=BUCKET, Key="staticfiles.json", Body=json.dumps(remote).encode())
    TalkStyleStorage.manifest_storage = FileSystemStorage(location=manifest_dir)
    storage = storage_class(bucket_name=BUCKET, region_name="us-east-1")
    return storage.url("css/site.css").rsplit(".", 2)[-2]  # type: ignore[no-any-return]


@pytest.mark.usefixtures("site")
def test_manifest_is_read_from_the_package_not_the_bucket(s3: Any, manifest_dir: Path) -> None:
    assert manifest_used(StaticStorage, manifest_dir, s3) == "package"
    # The same check catches the talk's approach, which reads the bucket's copy.
    assert manifest_used(TalkStyleStorage, manifest_dir, s3) == "bucket"


@pytest.mark.usefixtures("site")
def test_manifest_is_not_uploaded(s3: Any) -> None:
    collectstatic()
    assert "staticfiles.json" not in bucket_objects(s3)


# Helpful errors


@pytest.mark.usefixtures("site")
def test_missing_manifest_says_which_file_and_what_to_run(manifest_dir: Path) -> None:
    with pytest.raises(MissingStaticFileError) as caught:
        render("{% static 'css/site.css' %}")
    message = str(caught.value)
    assert str(manifest_dir / "staticfiles.json") in message
    assert "does not exist" in message
    assert "'css/site.css'" in message
    assert "manage.py lambda_deploy" in message
    assert "collectstatic" in message


@pytest.mark.usefixtures("site")
def test_missing_entry_names_the_file_and_the_closest_entry(manifest_dir: Path) -> None:
    collectstatic()
    use_fresh_storage(bucket_name=BUCKET)
    with pytest.raises(MissingStaticFileError) as caught:
        render("{% static 'css/sites.css' %}")
    message = str(caught.value)
    assert f"'css/sites.css' is not in the manifest {manifest_dir / 'staticfiles.json'}" in message
    assert "(3 entries)" in message
    assert "Did you mean 'css/site.css'?" in message
    assert "manage.py lambda_deploy" in message


@pytest.mark.usefixtures("site")
def test_unreadable_manifest_says_how_to_rebuild(manifest_dir: Path) -> None:
    (manifest_dir / "staticfiles.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read") as caught:
        StaticStorage(bucket_name=BUCKET)
    assert str(manifest_dir / "staticfiles.json") in str(caught.value)


@pytest.mark.usefixtures("site")
def test_manifest_strict_false_serves_unhashed_without_s3(
    caplog: pytest.LogCaptureFixture,
) -> None:
    collectstatic()
    storage = StaticStorage(bucket_name=BUCKET, manifest_strict=False)
    with caplog.at_level(logging.WARNING, logger="django_lambda.storage"):
        url = storage.url("img/new.png")
    assert url == f"https://{BUCKET}.s3.amazonaws.com/img/new.png"
    assert "s3" not in storage.__dict__
    assert "'img/new.png' is not in the manifest" in caplog.text
    assert StaticStorage(bucket_name=BUCKET).manifest_strict is True


# URLs are django-storages' URLs, computed without boto3.

NAME = "css/a b+c~(1).0123456789ab.css"
URL_CASES: list[dict[str, Any]] = [
    {"bucket_name": "my-bucket"},
    {"bucket_name": "my-bucket", "region_name": "us-east-1"},
    {"bucket_name": "my-bucket", "region_name": "eu-west-3"},
    {"bucket_name": "my-bucket", "region_name": "eu-west-3", "addressing_style": "path"},
    {"bucket_name": "my-bucket", "region_name": "eu-west-3", "addressing_style": "virtual"},
    {"bucket_name": "my-bucket", "region_name": "us-east-1", "addressing_style": "path"},
    {"bucket_name": "my-bucket", "region_name": "us-east-1", "addressing_style": "virtual"},
    {"bucket_name": "my.dotted.bucket", "region_name": "eu-west-3"},
    {"bucket_name": "my.dotted.bucket", "region_name": "us-east-1"},
    {"bucket_name": "my.dotted.bucket"},
    {"bucket_name": "my-bucket", "addressing_style": "path"},
    {"bucket_name": "my-bucket", "region_name": "cn-north-1"},
    {"bucket_name": "my-bucket", "region_name": "cn-north-1", "addressing_style": "path"},
    {"bucket_name": "my-bucket", "region_name": "eu-west-3", "use_ssl": False},
    {"bucket_name": "my-bucket", "location": "static/v2", "region_name": "eu-west-3"},
    {"bucket_name": "my-bucket", "endpoint_url": "http://127.0.0.1:5000"},
    {"bucket_name": "my-bucket", "endpoint_url": "http://localhost:4566/"},
    {"bucket_name": "my-bucket", "endpoint_url": "https://minio.example.com/base"},
    {
        "bucket_name": "my-bucket",
        "endpoint_url": "https://minio.example.com",
        "addressing_style": "virtual",
    },
    {"bucket_name": "my-bucket", "custom_domain": "cdn.example.com", "location": "st"},
    {"bucket_name": "my-bucket", "custom_domain": "cdn.example.com", "url_protocol": "http:"},
    # Left to django-storages (boto3 is loaded for these):
    {"bucket_name": "my-bucket", "region_name": "us-gov-west-1"},
    {"bucket_name": "my-bucket", "querystring_auth": True, "custom_domain": "cdn.example.com"},
]


@pytest.fixture
def stock_url(monkeypatch: pytest.MonkeyPatch) -> Any:
    """django-storages' own url() for some options, the reference to match."""
    from storages.backends.s3 import S3StaticStorage

    # One boto3 session for all of them: each new one loads the S3 model
    # again (half a second). Endpoint and region are still read per client.
    session = boto3.session.Session()
    monkeypatch.setattr(S3StaticStorage, "_create_session", lambda self: session)
    return lambda options: S3StaticStorage(**options).url(NAME)


def url_case_id(options: dict[str, Any]) -> str:
    return ",".join(map(str, options.values())) or "none"


@pytest.mark.slow
@pytest.mark.parametrize("options", URL_CASES, ids=url_case_id)
def test_url_matches_django_storages(
    options: dict[str, Any], monkeypatch: pytest.MonkeyPatch, stock_url: Any
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert LazyS3Storage(**options).url(NAME) == stock_url(options)


ENVIRONMENT_CASES: list[dict[str, str]] = [
    {"AWS_DEFAULT_REGION": "ap-south-1"},
    {"AWS_DEFAULT_REGION": "cn-northwest-1"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_S3": "http://s3.local:6000/"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
    # Left to django-storages:
    {"AWS_USE_DUALSTACK_ENDPOINT": "true"},
    {"AWS_USE_FIPS_ENDPOINT": "true"},
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [URL_CASES[0], URL_CASES[4], URL_CASES[9], URL_CASES[10], URL_CASES[15]],
    ids=url_case_id,
)
@pytest.mark.parametrize("environment", ENVIRONMENT_CASES, ids=url_case_id)
def test_url_follows_boto3_environment_variables(
    options: dict[str, Any],
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    stock_url: Any,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert LazyS3Storage(**options).url(NAME) == stock_url(options)


@pytest.mark.parametrize("options", URL_CASES[:-2])
def test_url_needs_no_boto3_connection(options: dict[str, Any]) -> None:
    storage = LazyS3Storage(**options)
    storage.url(NAME)
    assert "s3" not in storage.__dict__


def test_aws_settings_are_the_fallback() -> None:
    with override_settings(
        AWS_STORAGE_BUCKET_NAME="from-settings",
        AWS_LOCATION="loc",
        AWS_S3_CUSTOM_DOMAIN="static.example.com",
    ):
        storage = LazyS3Storage()
        assert (storage.bucket_name, storage.location) == ("from-settings", "loc")
        assert storage.url("a.css") == "https://static.example.com/loc/a.css"
        assert storage.s3.bucket_name == "from-settings"


def test_options_reach_django_storages() -> None:
    options: dict[str, Any] = {
        "bucket_name": "b-1",
        "location": "static",
        "custom_domain": "cdn.example.com",
        "object_parameters": {"CacheControl": "max-age=60"},
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "eu-west-3",
        "default_acl": "public-read",
    }
    backend = StaticStorage(manifest_storage=FileSystemStorage(), **options).s3
    assert {name: getattr(backend, name) for name in options} == options
    assert backend.querystring_auth is False


def test_manifest_storage_defaults_to_the_manifest_dir(manifest_dir: Path) -> None:
    with override_settings(DJANGO_LAMBDA={"STATIC_MANIFEST_DIR": str(manifest_dir)}):
        storage = StaticStorage(bucket_name=BUCKET)
    assert isinstance(storage.manifest_storage, FileSystemStorage)
    assert Path(storage.manifest_storage.location) == manifest_dir


def test_manifest_storage_option_wins(manifest_dir: Path) -> None:
    manifest_storage = FileSystemStorage(location=manifest_dir / "elsewhere")
    manifest_storage.save("staticfiles.json", ContentFile(b'{"version": "1.1", "paths": {}}'))
    storage = StaticStorage(bucket_name=BUCKET, manifest_storage=manifest_storage)
    assert storage.manifest_storage is manifest_storage
    assert storage.manifest_found is True


def test_no_bucket_is_a_clear_error() -> None:
    storage = LazyS3Storage()
    for use in (lambda: storage.url("a.css"), lambda: storage.exists("a.css")):
        with pytest.raises(ImproperlyConfigured, match=r"\['OPTIONS'\]\['bucket_name'\]"):
            use()

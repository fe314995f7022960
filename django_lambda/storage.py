"""Static files on S3 whose manifest ships in the deploy package, so a page never waits on S3.

``StaticStorage`` is django-storages' S3 static storage plus Django's
``ManifestFilesMixin``, with two changes that matter on Lambda:

- the manifest (``staticfiles.json``) is read from and written to a local
  directory inside the package (the ``STATIC_MANIFEST_DIR`` setting,
  default the project's base directory), never from the bucket;
- ``url()`` computes the public URL itself, so rendering ``{% static %}``
  imports neither boto3 nor botocore and makes no network call. boto3 is only
  loaded when a file is actually read or written (``collectstatic``).
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import logging
import os
import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlsplit

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.encoding import filepath_to_uri
from storages.utils import check_location, clean_name, safe_join, setting

from django_lambda.conf import SETTING_NAME, static_manifest_dir

logger = logging.getLogger(__name__)

# The django-storages options that decide an object's public URL, with the
# global setting each falls back to and its default: the same as
# storages.backends.s3.S3Storage.get_default_settings(), which cannot be
# imported without importing boto3.
URL_OPTIONS: dict[str, tuple[str, Any]] = {
    "bucket_name": ("AWS_STORAGE_BUCKET_NAME", None),
    "location": ("AWS_LOCATION", ""),
    "custom_domain": ("AWS_S3_CUSTOM_DOMAIN", None),
    "url_protocol": ("AWS_S3_URL_PROTOCOL", None),
    "endpoint_url": ("AWS_S3_ENDPOINT_URL", None),
    "region_name": ("AWS_S3_REGION_NAME", None),
    "addressing_style": ("AWS_S3_ADDRESSING_STYLE", None),
    "use_ssl": ("AWS_S3_USE_SSL", True),
    "client_config": ("AWS_S3_CLIENT_CONFIG", None),
}

# Options StaticStorage takes itself; everything else goes to django-storages.
OWN_OPTIONS = ("manifest_strict", "manifest_storage")

# The names S3 can serve as https://<bucket>.s3.amazonaws.com/: DNS labels,
# no dots (a dotted name breaks the wildcard TLS certificate).
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
_VIRTUAL_HOSTABLE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
# Regions of the commercial ("aws") partition, whose endpoints end in amazonaws.com.
_AWS_REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+$")
_CHINA_REGION = re.compile(r"^cn-[a-z]+-\d+$")


class MissingStaticFileError(ValueError):
    """A static file has no entry in the manifest (or there is no manifest at all).

    A ``ValueError``, like Django's own manifest errors, so code that catches
    those keeps working.
    """


class LazyS3Storage(Storage):
    """django-storages' ``S3StaticStorage``, created on first file access.

    Options are django-storages' own (``bucket_name``, ``location``,
    ``custom_domain``, ``object_parameters``, ``endpoint_url``,
    ``region_name``, ...), falling back to the same ``AWS_*`` settings.
    Reading, writing and listing go to the real django-storages storage
    (``.s3``); ``url()`` does not, so it needs no boto3.
    """

    # As in django-storages' S3StaticStorage: static URLs are not signed,
    # whatever AWS_QUERYSTRING_AUTH says; the option can still turn it on.
    querystring_auth = False
    # Set from URL_OPTIONS in __init__.
    bucket_name: str | None
    location: str
    custom_domain: str | None
    url_protocol: str
    endpoint_url: str | None
    region_name: str | None
    addressing_style: str | None
    use_ssl: bool
    client_config: Any

    def __init__(self, **options: Any) -> None:
        self._s3_options = options
        for name, (setting_name, default) in URL_OPTIONS.items():
            value = options[name] if name in options else setting(setting_name, default)
            setattr(self, name, value)
        self.url_protocol = self.url_protocol or "https:"
        if "querystring_auth" in options:
            self.querystring_auth = bool(options["querystring_auth"])
        check_location(self)

    @cached_property
    def s3(self) -> Any:
        """The django-storages storage doing the I/O (imports boto3 on first use).

        ``StaticStorage.collect_into()`` puts a local directory in its place.
        """
        from storages.backends.s3 import S3StaticStorage

        self.require_bucket()
        return S3StaticStorage(**self._s3_options)

    def require_bucket(self) -> str:
        if not self.bucket_name:
            raise ImproperlyConfigured(
                f"{type(self).__name__} has no bucket: set STORAGES['staticfiles']"
                "['OPTIONS']['bucket_name'] (or AWS_STORAGE_BUCKET_NAME)."
            )
        return str(self.bucket_name)

    # File access: all of it is django-storages'.

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        return self.s3._open(name, mode)  # type: ignore[no-any-return]

    def _save(self, name: str, content: File[Any]) -> str:
        return self.s3._save(name, content)  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        self.s3.delete(name)

    def exists(self, name: str) -> bool:
        return bool(self.s3.exists(name))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.s3.listdir(path)  # type: ignore[no-any-return]

    def size(self, name: str) -> int:
        return int(self.s3.size(name))

    def get_modified_time(self, name: str) -> Any:
        return self.s3.get_modified_time(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.s3.get_available_name(name, max_length)  # type: ignore[no-any-return]

    # URLs: computed here, without boto3.

    def key(self, name: str) -> str:
        """The object key of ``name``: the location prefix plus the cleaned name."""
        return str(safe_join(self.location, clean_name(name)))

    def url(self, name: str | None) -> str:
        """The public URL of ``name``, the same one django-storages' ``url()`` returns.

        Computed for a custom domain, a custom ``endpoint_url`` (MinIO, moto,
        LocalStack; also ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` from
        the environment, as boto3 reads them) and the AWS commercial and China
        partitions. Signed URLs (``querystring_auth=True``), a
        ``client_config``, dual-stack or FIPS endpoints and other partitions
        are left to django-storages, which loads boto3 to build them.
        """
        key = self.key(name or "")
        if self.custom_domain and not self.querystring_auth:
            return f"{self.url_protocol}//{self.custom_domain}/{filepath_to_uri(key)}"
        base = None if self.querystring_auth or self.client_config else self.bucket_url()
        if base is None:
            return self.s3.url(name)  # type: ignore[no-any-return]
        # botocore's own quoting of a key in a URL.
        return f"{base}/{quote(key, safe='/~')}"

    def bucket_url(self) -> str | None:
        """The bucket's unsigned URL, without a trailing slash; None if boto3 must decide.

        The rules are botocore's for unsigned S3 URLs (what django-storages'
        ``url()`` returns with ``querystring_auth=False``):
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
        """
        bucket = self.require_bucket()
        style = self.addressing_style or "auto"
        if any(_env_flag(name) for name in ("AWS_USE_DUALSTACK_ENDPOINT", "AWS_USE_FIPS_ENDPOINT")):
            return None
        endpoint_url = self.endpoint_url or _environment_endpoint_url()
        if endpoint_url:
            endpoint = urlsplit(endpoint_url)
            path = endpoint.path.rstrip("/")
            if style == "virtual" and not _is_ip_address(endpoint.hostname or ""):
                return f"{endpoint.scheme}://{bucket}.{endpoint.netloc}{path}"
            return f"{endpoint.scheme}://{endpoint.netloc}{path}/{bucket}"
        # boto3 reads the region from AWS_DEFAULT_REGION (Lambda sets it) when
        # none is configured, and from ~/.aws/config, which is not read here.
        region = self.region_name or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        scheme = "https" if self.use_ssl else "http"
        if _AWS_REGION.match(region):
            host = "s3.amazonaws.com" if region == "us-east-1" else f"s3.{region}.amazonaws.com"
            # botocore's auto style puts a hostable bucket on the global endpoint.
            global_host = "s3.amazonaws.com" if style == "auto" else host
        elif _CHINA_REGION.match(region):
            host = global_host = f"s3.{region}.amazonaws.com.cn"
        else:
            return None
        if style == "path" or (style == "auto" and not _is_virtual_hostable(bucket)):
            return f"{scheme}://{host}/{bucket}"
        return f"{scheme}://{bucket}.{global_host}"


def _md5(path: Path) -> str:
    """The MD5 of a file's bytes, in hex: S3's ETag of an object uploaded in one part."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() == "true"


def _environment_endpoint_url() -> str | None:
    """The endpoint boto3 takes from the environment (the sandbox sets one).

    https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    """
    if _env_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        return None
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def _is_virtual_hostable(bucket: str) -> bool:
    return bool(_VIRTUAL_HOSTABLE.match(bucket)) and not _is_ip_address(bucket)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# django-stubs types HashedFilesMixin.url() with an extra `force` argument.
class StaticStorage(ManifestFilesMixin, LazyS3Storage):  # type: ignore[misc]
    """Hashed static files in S3, with ``staticfiles.json`` in the deploy package.

    Use as ``STORAGES["staticfiles"]["BACKEND"]``. Options: every
    django-storages S3 option, plus ``manifest_strict`` (default True: a name
    missing from the manifest is an error; False: it is served unhashed) and
    ``manifest_storage`` (default: a ``FileSystemStorage`` on
    the ``STATIC_MANIFEST_DIR`` setting).

    ``collectstatic`` never uploads a hashed file the bucket already has, and
    never deletes one: hashed names are immutable, and the previous version of
    the function (the one ``--rollback`` returns to) still links to them.

    ``lambda_deploy`` collects without AWS instead (``collect_into()``: the
    hashed names depend only on the files' contents) and uploads what it
    collected when it deploys (``upload_collected()``).
    """

    def __init__(
        self,
        *,
        manifest_strict: bool | None = None,
        manifest_storage: Storage | None = None,
        **options: Any,
    ) -> None:
        if manifest_strict is not None:
            self.manifest_strict = bool(manifest_strict)
        if manifest_storage is None:
            manifest_storage = FileSystemStorage(location=static_manifest_dir())
        self.manifest_found = False
        # During post_process(): the hashed names already in the bucket.
        self._in_bucket: set[str] | None = None
        # What the last collectstatic uploaded, and what the bucket already had.
        self.uploaded: set[str] = set()
        self.already_in_bucket: list[str] = []
        # Where collect_into() makes collectstatic write instead of the bucket.
        self.collecting_into: Path | None = None
        # The keyword, not a class attribute: since Django 4.0 the mixin's
        # __init__ replaces a class attribute with `self` unless the keyword is
        # given, and the manifest would be read from S3 again.
        super().__init__(manifest_storage=manifest_storage, **options)

    @property
    def manifest_path(self) -> str:
        """Where the manifest lives, for messages."""
        manifest_storage: Storage = self.manifest_storage  # type: ignore[assignment]
        try:
            return str(manifest_storage.path(self.manifest_name))
        except NotImplementedError:
            return f"{self.manifest_name} in {manifest_storage!r}"

    def read_manifest(self) -> str | None:  # type: ignore[override]
        content: str | None = super().read_manifest()
        self.manifest_found = content is not None
        return content

    def load_manifest(self) -> Any:
        try:
            return super().load_manifest()
        except ValueError as exc:
            raise ValueError(
                f"The static files manifest {self.manifest_path} cannot be read ({exc}). "
                "Delete it and run `python manage.py lambda_deploy` (or `collectstatic`) "
                "again to rebuild it."
            ) from exc

    def stored_name(self, name: str) -> str:
        clean = urlsplit(unquote(name)).path.strip()
        if self.hash_key(clean) in self.hashed_files:
            return super().stored_name(name)
        if self.manifest_strict:
            raise MissingStaticFileError(self._missing_message(clean))
        # Django would hash the file now, reading it from the bucket; on
        # Lambda that is a network call per page. Serve it unhashed instead.
        logger.warning("%s Serving it unhashed.", self._missing_message(clean))
        return name

    def _missing_message(self, name: str) -> str:
        if not self.manifest_found:
            return (
                f"The static files manifest {self.manifest_path} does not exist, so "
                f"{name!r} has no hashed name. Run `python manage.py lambda_deploy` "
                "(or `python manage.py collectstatic`) first: it writes the manifest to "
                f"{SETTING_NAME}['STATIC_MANIFEST_DIR'], which ships in the package."
            )
        close = difflib.get_close_matches(name, self.hashed_files, n=1)
        did_you_mean = f" Did you mean {close[0]!r}?" if close else ""
        return (
            f"The static file {name!r} is not in the manifest {self.manifest_path} "
            f"({len(self.hashed_files)} entries).{did_you_mean} If the file is new, run "
            "`python manage.py lambda_deploy` (or `python manage.py collectstatic`) again."
        )

    # Collecting without AWS, uploading later.

    def collect_into(self, directory: Path) -> None:
        """Make collectstatic write the files, hashed copies included, into ``directory``
        rather than the bucket; the manifest goes where it always goes.

        The hashed names depend only on the files' contents, so the package's
        manifest is the same as if they had gone to the bucket; a build then
        needs no AWS. ``upload_collected(directory)`` sends them up.
        """
        self.collecting_into = Path(directory)
        # The I/O that self.s3 would do, on the local directory instead.
        self.s3 = FileSystemStorage(location=self.collecting_into)

    def upload_collected(self, directory: Path) -> tuple[list[str], list[str]]:
        """Upload what ``collect_into(directory)`` collected; returns the names uploaded
        and the names the bucket already had.

        As with collectstatic, a hashed file the bucket has is never uploaded
        again (its name is its content); any other file is uploaded unless the
        bucket holds the same bytes (its ETag is their MD5 when uploaded whole).
        """
        directory = Path(directory)
        prefix = self.key("")
        in_bucket = {
            obj.key[len(prefix) :]: obj.e_tag.strip('"')
            for obj in self.s3.bucket.objects.filter(Prefix=prefix)
        }
        hashed = set(self.hashed_files.values())
        self.uploaded, self.already_in_bucket = set(), []
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(directory).as_posix()
            etag = in_bucket.get(name)
            if etag is not None and (name in hashed or etag == _md5(path)):
                self.already_in_bucket.append(name)
                continue
            with path.open("rb") as content:
                self.uploaded.add(self.s3._save(name, File(content, name)))
        return sorted(self.uploaded), self.already_in_bucket

    # collectstatic: upload each hashed file once.

    def post_process(  # type: ignore[override]
        self, paths: dict[str, tuple[Storage, str]], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str | None, bool | Exception]]:
        if dry_run or self.collecting_into is not None:
            yield from super().post_process(paths, dry_run=dry_run, **options)
            return
        self.uploaded = set()
        self.already_in_bucket = []
        self._in_bucket = self._list_bucket()
        try:
            for name, hashed_name, processed in super().post_process(
                paths, dry_run=dry_run, **options
            ):
                uploaded_now = hashed_name is not None and hashed_name in self.uploaded
                if uploaded_now or isinstance(processed, Exception) or hashed_name is None:
                    yield name, hashed_name, processed
                else:
                    # collectstatic says "Skipped post-processing" and does
                    # not count it as post-processed.
                    self.already_in_bucket.append(hashed_name)
                    yield name, hashed_name, False
        finally:
            self._in_bucket = None
        if self.already_in_bucket:
            logger.info(
                "%d hashed static files were already in bucket %s and were not uploaded again: %s",
                len(self.already_in_bucket),
                self.bucket_name,
                ", ".join(sorted(self.already_in_bucket)),
            )

    def _list_bucket(self) -> set[str]:
        """Every name under the location, in one listing rather than a HEAD per file."""
        prefix = self.key("")  # "" or "location/"
        return {obj.key[len(prefix) :] for obj in self.s3.bucket.objects.filter(Prefix=prefix)}

    def exists(self, name: str) -> bool:
        if self._in_bucket is not None:
            return clean_name(name) in self._in_bucket
        return super().exists(name)

    def delete(self, name: str) -> None:
        if self._in_bucket is not None:
            # Post-processing deletes a hashed file before saving the same
            # name again; hashed names are immutable, so keep it.
            return
        super().delete(name)

    def _save(self, name: str, content: File[Any] | IO[bytes]) -> str:
        if self._in_bucket is not None:
            name = clean_name(name)
            if name in self._in_bucket:
                return name
            saved = super()._save(name, content)  # type: ignore[arg-type]
            self._in_bucket.add(saved)
            self.uploaded.add(saved)
            return saved
        return super()._save(name, content)  # type: ignore[arg-type]

"""Cold start: a fresh Python process, from start to the first response of a page with {% static %}.

Three setups of the same site, side by side, each timed in the same run:

  (a) bare Django, plain StaticFilesStorage (the lower bound);
  (b) django-storages' S3ManifestStaticStorage, manifest in the bucket;
  (c) django_lambda's StaticStorage, manifest in the package.

The bucket is moto's server on 127.0.0.1, so (b) pays a loopback round trip
and the boto3 import, not a real S3 latency: on Lambda its cost is higher.
The site is ``demo_site`` when it exists, else the tests' one-page site. The
request goes through ``django_lambda.handler.lambda_handler`` (an HTTP API
payload 2.0 event) when that module exists, else through Django's WSGI app.

    python benchmarks/cold_start.py [--runs 15]

Not a test: it asserts nothing about speed, it prints a table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import django
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "cold-start"

SETUPS = {
    "a": (
        "bare Django, StaticFilesStorage",
        {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    ),
    "b": (
        "S3ManifestStaticStorage, manifest in S3",
        {"BACKEND": "storages.backends.s3.S3ManifestStaticStorage"},
    ),
    "c": (
        "django_lambda StaticStorage",
        {"BACKEND": "django_lambda.storage.StaticStorage"},
    ),
}


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    maxrss_kib: list[int] = field(default_factory=list)


def site_settings_module() -> str:
    if (ROOT / "demo_site" / "settings.py").exists():
        return "demo_site.settings"
    return "tests.static_site.settings"


def write_settings(directory: Path, site: str, key: str, endpoint: str) -> str:
    """A settings module that is the site's own, with setup ``key``'s static storage."""
    storage: dict[str, Any] = dict(SETUPS[key][1])
    if key != "a":
        storage["OPTIONS"] = {
            "bucket_name": BUCKET,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            # (b) and (c) share the bucket: keep their files apart.
            "location": f"setup-{key}",
        }
    manifest_dir = directory / f"manifest_{key}"
    manifest_dir.mkdir()
    name = f"cold_start_{key}"
    (directory / f"{name}.py").write_text(
        textwrap.dedent(
            f"""\
            from {site} import *  # noqa: F403

            STATIC_ROOT = {str(directory / f"root_{key}")!r}
            STORAGES = {{
                **globals().get("STORAGES", {{}}),
                "staticfiles": {storage!r},
            }}
            DJANGO_LAMBDA = {{
                **globals().get("DJANGO_LAMBDA", {{}}),
                "STATIC_MANIFEST_DIR": {str(manifest_dir)!r},
            }}
            """
        )
    )
    return name


def child_env(directory: Path, settings_module: str) -> dict[str, str]:
    # Bytecode is cached (PYTHONDONTWRITEBYTECODE dropped), as a deploy
    # package should ship it: otherwise every setup pays for compiling its
    # own modules at each start, which is not what is compared here.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_")
        and key not in ("DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # For demo_site: the host serve_once asks for, and its page without the
        # NASA fetch (no network here, and a fetch is no part of a cold start).
        "DJANGO_ALLOWED_HOSTS": "site.example.com",
        "STARS_APOD_URL": "",
    }


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def first_response(env: dict[str, str], via: str) -> tuple[float, int]:
    """Seconds from process start to the first response, and the child's peak RSS (KiB).

    The clock stops when the child has written its response, before it exits.
    """
    command = [sys.executable, "-m", "tests.static_site.serve_once", "--via", via]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    _, stderr = child.communicate()
    if child.returncode != 0 or not line:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    report = json.loads(line)
    if report["status"] != 200:
        raise SystemExit(f"the page answered {report['status']}:\n{report['body'][:2000]}")
    return elapsed, int(report["maxrss_kib"])


def table(samples: dict[str, Samples]) -> str:
    base_time = statistics.median(samples["a"].seconds)
    base_min = min(samples["a"].seconds)
    base_rss = statistics.median(samples["a"].maxrss_kib)
    # The fastest run is the least disturbed by other work on the machine,
    # so its ratio is shown next to the median's.
    lines = [
        "| setup | median | p25-p75 | min-max | median vs (a) | min vs (a) | peak RSS | vs (a) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, (label, _) in SETUPS.items():
        seconds = [s * 1000 for s in samples[key].seconds]
        p25, _, p75 = statistics.quantiles(seconds, n=4, method="inclusive")
        median = statistics.median(seconds)
        rss = statistics.median(samples[key].maxrss_kib)
        lines.append(
            f"| ({key}) {label} | {median:.0f} ms | {p25:.0f}-{p75:.0f} ms "
            f"| {min(seconds):.0f}-{max(seconds):.0f} ms | {median / 1000 / base_time:.2f}x "
            f"| {min(seconds) / 1000 / base_min:.2f}x | {rss / 1024:.1f} MiB "
            f"| {rss / base_rss:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per setup (default 15)")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error(f"--runs must be at least 2, not {args.runs}")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access log
    # Other work on the machine widens the spread; the table says how busy it was.
    load_before = os.getloadavg()[0]
    site = site_settings_module()
    via = "handler" if importlib.util.find_spec("django_lambda.handler") else "wsgi"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=BUCKET)
        with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
            directory = Path(tmp)
            envs = {
                key: child_env(directory, write_settings(directory, site, key, endpoint))
                for key in SETUPS
            }
            for env in envs.values():
                collectstatic(env)
                first_response(env, via)  # warm the file and bytecode caches; not counted
            samples = {key: Samples() for key in SETUPS}
            # Rounds of one run per setup, in a shuffled order: drift on the
            # machine, and whatever one setup leaves behind, hit all alike.
            order = list(envs)
            shuffle = random.Random(0).shuffle
            for _ in range(args.runs):
                shuffle(order)
                for key in order:
                    seconds, maxrss = first_response(envs[key], via)
                    samples[key].seconds.append(seconds)
                    samples[key].maxrss_kib.append(maxrss)
    finally:
        server.stop()

    print(
        f"Cold start to first response, {site}, via {via}, {args.runs} runs per setup; "
        f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"Django {django.get_version()}, {platform.system()} {platform.machine()}, "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print()
    print(table(samples))


if __name__ == "__main__":
    main()

"""moto's server on loopback, for tests that reach AWS through ENDPOINT_URL or a child process."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


@contextmanager
def moto_server(*, reset: bool = False) -> Iterator[str]:
    """Start the server, yield its URL, stop it. ``reset`` empties moto's state first: the
    server shares it with this process, where an earlier test may have left some."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        if reset:
            urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
        yield url
    finally:
        server.stop()

"""Whether a remote host answers, asked with a bounded TCP connect (no request is sent).

Used to fail fast or go offline instead of hanging: dataset downloads and W&B on machines
without network.
"""

from __future__ import annotations

import socket
import urllib.parse


def url_reachable(url: str, timeout: float) -> bool:
    """True if a TCP connection to ``url``'s host and port opens within ``timeout`` seconds."""
    parsed = urllib.parse.urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False

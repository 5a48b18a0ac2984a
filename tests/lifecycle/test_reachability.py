import socket

from grokrewarm.lifecycle.reachability import url_reachable


def test_unreachable_download_host_is_detected_quickly():
    with socket.socket() as server:  # a bound port that never listens refuses connections
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert not url_reachable(f"http://127.0.0.1:{port}/cifar.tar.gz", timeout=1.0)

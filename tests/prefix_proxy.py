"""A tiny reverse proxy for the tests: the app under a path prefix, as docs/hosting.md's nginx
(`location /explorer/ { proxy_pass http://127.0.0.1:8000/; }`) and Caddy (`handle_path`) serve
it. A request under the prefix goes to the app with the prefix stripped and X-Forwarded-For,
-Proto and -Host added; the prefix without its slash is redirected to it (as nginx does);
anything else is a plain-text 404 from the proxy itself, so a page
that asks for a URL at the host's root (/vendor/..., /api/...) fails visibly. Bodies stream
through in both directions' order (a server-sent event arrives when the app sends it)."""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

#: Hop-by-hop headers: about one connection, never passed on.
HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}


class _Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def _forward(self) -> None:
        prefix = self.server.prefix
        self.close_connection = True
        if self.path == prefix or self.path.startswith(prefix + "?"):
            # as nginx does for `location /explorer/`: the page's relative URLs need the slash
            self._answer(301, "", location=prefix + "/" + self.path[len(prefix) :])
            return
        if not self.path.startswith(prefix + "/"):
            self._answer(404, f"the proxy serves only {prefix}/\n")
            return
        path = self.path[len(prefix) :]
        if not path.startswith("/"):
            path = "/" + path
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["X-Forwarded-For"] = self.server.client_address_as or self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Forwarded-Host"] = self.headers.get("host", "")
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=60)
        try:
            upstream.request(self.command, path, body=body, headers=headers)
            response = upstream.getresponse()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP:
                    self.send_header(name, value)
            self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                while chunk := response.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
        finally:
            upstream.close()

    def _answer(self, status: int, text: str, location: str | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        if location:
            self.send_header("location", location)
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    prefix: str
    upstream: str
    client_address_as: str | None


@contextlib.contextmanager
def prefix_proxy(
    upstream_url: str, prefix: str, client_address_as: str | None = None
) -> Iterator[str]:
    """Serves `upstream_url` under `prefix` (e.g. /explorer) on a free port of 127.0.0.1 until
    the block ends; yields the proxy's base URL (without the prefix). `client_address_as`: the
    X-Forwarded-For the proxy sends (default: the client's own address)."""
    server = _Server(("127.0.0.1", 0), _Proxy)
    server.prefix = prefix.rstrip("/")
    server.upstream = urlsplit(upstream_url).netloc
    server.client_address_as = client_address_as
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

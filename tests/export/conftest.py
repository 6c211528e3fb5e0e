"""Fixtures of the service tests: one app with default limits, a client that never raises."""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from server.app import create_app  # noqa: E402
from server.config import Limits  # noqa: E402


def _client(limits: Limits | None = None) -> TestClient:
    return TestClient(create_app(limits or Limits()), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def client() -> TestClient:
    return _client()


@pytest.fixture(scope="session")
def make_client():
    """make_client(limits) -> a client of an app with these limits."""
    return _client


@pytest.fixture(scope="session")
def graph(client):
    """POST /api/graph: graph(expression, inputs, **options) -> (status, json)."""

    def post(expression: str, inputs: dict | None = None, **options):
        r = client.post(
            "/api/graph", json={"expression": expression, "inputs": inputs or {}, **options}
        )
        return r.status_code, r.json()

    return post


@pytest.fixture(scope="session")
def refused(graph):
    """The error object of an expression that must be refused with 422."""

    def post(expression: str, inputs: dict | None = None, **options) -> dict:
        status, body = graph(expression, inputs, **options)
        assert status == 422, body
        return body["error"]

    return post

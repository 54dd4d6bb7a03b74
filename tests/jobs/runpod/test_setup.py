"""`--setup` against a stand-in for RunPod's REST management API.

The stand-in checks every request body against the shapes in RunPod's OpenAPI
schema for https://rest.runpod.io/v1 (docs.runpod.io/api-reference, schemas
TemplateCreateInput, TemplateUpdateInput, EndpointCreateInput,
EndpointUpdateInput): known fields only, the documented JSON types and enums,
required fields present, and `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from talkinghead.jobs.runpod.config import RemoteConfig, Secret
from talkinghead.jobs.runpod.errors import RemoteConfigError
from talkinghead.jobs.runpod.serverless import RetryPolicy
from talkinghead.jobs.runpod.setup import SetupOptions, setup_endpoint, write_env_value

from .conftest import API_KEY

# Field -> JSON type (or a tuple of allowed values), from the OpenAPI schema.
TEMPLATE_UPDATE = {
    "containerDiskInGb": int, "containerRegistryAuthId": str, "dockerEntrypoint": list,
    "dockerStartCmd": list, "env": dict, "imageName": str, "isPublic": bool, "name": str,
    "ports": list, "readme": str, "volumeInGb": int, "volumeMountPath": str,
}
TEMPLATE_CREATE = {**TEMPLATE_UPDATE, "isServerless": bool,
                   "category": ("NVIDIA", "AMD", "CPU")}
ENDPOINT_UPDATE = {
    "allowedCudaVersions": list, "cpuFlavorIds": list, "dataCenterIds": list,
    "executionTimeoutMs": int, "flashboot": bool, "gpuCount": int, "gpuTypeIds": list,
    "idleTimeout": int, "minCudaVersion": str, "name": str, "networkVolumeId": str,
    "networkVolumeIds": list, "scalerType": ("QUEUE_DELAY", "REQUEST_COUNT"),
    "scalerValue": int, "templateId": str, "vcpuCount": int, "workersMax": int,
    "workersMin": int,
}
ENDPOINT_CREATE = {**ENDPOINT_UPDATE, "computeType": ("GPU", "CPU")}
SCHEMAS = {
    ("POST", "/templates"): (TEMPLATE_CREATE, ("name", "imageName")),
    ("PATCH", "/templates/"): (TEMPLATE_UPDATE, ()),
    ("POST", "/endpoints"): (ENDPOINT_CREATE, ("templateId",)),
    ("PATCH", "/endpoints/"): (ENDPOINT_UPDATE, ()),
}


def check_shape(body: dict, schema: dict, required: tuple) -> list[str]:
    problems = [f"missing {name}" for name in required if name not in body]
    for name, value in body.items():
        kind = schema.get(name)
        if kind is None:
            problems.append(f"unknown field {name}")
        elif isinstance(kind, tuple):
            if value not in kind:
                problems.append(f"{name}={value!r} not in {kind}")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(f"{name} is {type(value).__name__}, not {kind.__name__}")
    return problems


class FakeRest:
    def __init__(self) -> None:
        self.templates: dict[str, dict] = {}
        self.endpoints: dict[str, dict] = {}
        self.calls: list[tuple[str, str, dict | None]] = []
        self.problems: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _go(self, method):
                fake.serve(self, method)

            def do_GET(self):
                self._go("GET")

            def do_POST(self):
                self._go("POST")

            def do_PATCH(self):
                self._go("PATCH")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def serve(self, request, method: str) -> None:
        path = request.path.removeprefix("/v1")
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length)) if length else None
        self.calls.append((method, path.split("?")[0], body))
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self.reply(request, 401, {"error": "unauthorized"})
        for (m, prefix), (schema, required) in SCHEMAS.items():
            if m == method and (path == prefix or (prefix.endswith("/")
                                                   and path.startswith(prefix))):
                self.problems += [f"{method} {prefix}: {p}"
                                  for p in check_shape(body or {}, schema, required)]
        kind = "templates" if path.startswith("/templates") else "endpoints"
        table = getattr(self, kind)
        parts = path.split("?")[0].strip("/").split("/")
        if method == "GET" and len(parts) == 1:
            return self.reply(request, 200, list(table.values()))
        if method == "GET":
            found = table.get(parts[1])
            return self.reply(request, 200 if found else 404, found or {"error": "not found"})
        if method == "POST" and len(parts) == 1:
            new_id = f"{kind[0]}{len(table) + 1:09d}"
            table[new_id] = {**body, "id": new_id}
            return self.reply(request, 200, table[new_id])
        if method == "PATCH" and parts[1] in table:
            table[parts[1]].update(body)
            return self.reply(request, 200, table[parts[1]])
        return self.reply(request, 404, {"error": "not found"})

    @staticmethod
    def reply(request, status: int, body) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


@pytest.fixture()
def rest():
    fake = FakeRest()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def config(rest, endpoint_id=None) -> RemoteConfig:
    return RemoteConfig(Secret(API_KEY), "", endpoint_id, rest.url)


ENV_LINES = "# my keys\nRUNPOD_API_KEY=abc\nOTHER='x y'  # comment\n\nexport LAST=1\n"


def test_setup_creates_template_and_endpoint_and_writes_the_id_to_env(rest, tmp_path,
                                                                     monkeypatch):
    for name in ("BUCKET_ENDPOINT_URL", "BUCKET_ACCESS_KEY_ID", "BUCKET_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BUCKET_NAME", "renders")
    env = tmp_path / ".env"
    env.write_text(ENV_LINES)
    printed = []
    result = setup_endpoint(SetupOptions(image="ghcr.io/me/talkinghead-worker:1"),
                            env_file=env, config=config(rest), out=printed.append,
                            retry=RetryPolicy(attempts=2, backoff_s=0.01))
    assert rest.problems == []
    assert result.created_template and result.created_endpoint
    template = rest.templates[result.template_id]
    assert template["isServerless"] is True and template["imageName"].endswith("worker:1")
    assert template["env"] == {"BUCKET_NAME": "renders"}
    endpoint = rest.endpoints[result.endpoint_id]
    assert endpoint["templateId"] == result.template_id
    assert endpoint["gpuTypeIds"] == ["NVIDIA GeForce RTX 4090"]
    assert (endpoint["workersMin"], endpoint["workersMax"], endpoint["idleTimeout"]) == (0, 3, 5)
    text = env.read_text()
    assert text.startswith(ENV_LINES)  # every other line kept, byte for byte
    assert f"RUNPOD_SADTALKER_ENDPOINT_ID={result.endpoint_id}" in text.splitlines()
    assert any("created endpoint" in line for line in printed)
    assert all(API_KEY not in line for line in printed)


def test_setup_again_updates_instead_of_duplicating(rest, tmp_path):
    env = tmp_path / ".env"
    first = setup_endpoint(SetupOptions(image="img:1"), env_file=env, config=config(rest),
                           out=lambda _line: None)
    second = setup_endpoint(
        SetupOptions(image="img:2", compute="CPU", workers_max=8, idle_timeout_s=30),
        env_file=env, config=config(rest, first.endpoint_id), out=lambda _line: None)
    assert rest.problems == []
    assert (second.template_id, second.endpoint_id) == (first.template_id, first.endpoint_id)
    assert not (second.created_template or second.created_endpoint)
    assert len(rest.templates) == len(rest.endpoints) == 1
    endpoint = rest.endpoints[first.endpoint_id]
    assert endpoint["cpuFlavorIds"] == ["cpu5c"] and endpoint["workersMax"] == 8
    assert rest.templates[first.template_id]["imageName"] == "img:2"
    assert env.read_text().count("RUNPOD_SADTALKER_ENDPOINT_ID=") == 1
    assert [m for m, p, _ in rest.calls if p.startswith("/endpoints/")] == ["GET", "PATCH"]


def test_setup_needs_an_image_and_sane_options(rest, tmp_path, monkeypatch):
    monkeypatch.delenv("TALKINGHEAD_WORKER_IMAGE", raising=False)
    with pytest.raises(RemoteConfigError, match="TALKINGHEAD_WORKER_IMAGE"):
        setup_endpoint(SetupOptions(), env_file=tmp_path / ".env", config=config(rest))
    with pytest.raises(RemoteConfigError, match="workers"):
        setup_endpoint(SetupOptions(image="x", workers_min=5, workers_max=2),
                       env_file=tmp_path / ".env", config=config(rest))
    assert rest.calls == []


def test_env_update_keeps_other_keys(tmp_path):
    env = tmp_path / ".env"
    env.write_text(ENV_LINES + "RUNPOD_SADTALKER_ENDPOINT_ID=old\nTAIL=2\n")
    write_env_value(env, "RUNPOD_SADTALKER_ENDPOINT_ID", "new123")
    assert env.read_text() == ENV_LINES + "RUNPOD_SADTALKER_ENDPOINT_ID=new123\nTAIL=2\n"


def test_an_endpoint_that_is_not_ours_is_left_alone(rest, tmp_path):
    rest.endpoints["sadtalker1"] = {"id": "sadtalker1", "name": "sadtalker", "templateId": "t0"}
    printed = []
    result = setup_endpoint(SetupOptions(image="img:1"), env_file=tmp_path / ".env",
                            config=config(rest, "sadtalker1"), out=printed.append)
    assert result.created_endpoint and result.endpoint_id != "sadtalker1"
    assert rest.endpoints["sadtalker1"]["templateId"] == "t0"
    assert any("leaving it as it is" in line for line in printed)

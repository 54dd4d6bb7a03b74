"""`--setup`: create or update the worker's template and serverless endpoint on RunPod.

Uses RunPod's REST management API (`https://rest.runpod.io/v1`, OpenAPI schema in
docs.runpod.io/api-reference: `POST /templates` with `TemplateCreateInput`,
`PATCH /templates/{id}` with `TemplateUpdateInput`, `POST /endpoints` with
`EndpointCreateInput`, `PATCH /endpoints/{id}` with `EndpointUpdateInput`,
`GET /templates`, `GET /endpoints`, `GET /endpoints/{id}`), authenticated with
`Authorization: Bearer <RUNPOD_API_KEY>`. Running it again updates what it made
(found by name, or by the endpoint ID in `.env`) instead of making duplicates.
The endpoint ID is written to `.env` as RUNPOD_SADTALKER_ENDPOINT_ID; every other
line of the file is kept as it was.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from dotenv import set_key

from .config import ENDPOINT_VARIABLE, ENV_FILE, RemoteConfig, read_settings
from .errors import RemoteConfigError, RemoteError
from .serverless import RetryPolicy, authorized_session, send
from .storage import BUCKET_VARIABLES

IMAGE_VARIABLE: Final = "TALKINGHEAD_WORKER_IMAGE"  # where `docker push` put the worker image
DEFAULT_NAME: Final = "talkinghead"
# The original tool ran on RTX 4090 workers (its README's cost table); the warp engine needs only
# CPUs, so `compute="CPU"` is the cheaper choice for it.
DEFAULT_GPU_TYPES: Final = ("NVIDIA GeForce RTX 4090",)
DEFAULT_CPU_FLAVORS: Final = ("cpu5c",)
DEFAULT_VCPUS: Final = 8  # one chunk renders on all of a worker's cores
DEFAULT_WORKERS_MAX: Final = 3  # chunks run this many at a time; RunPod's own default
DEFAULT_IDLE_TIMEOUT_S: Final = 5  # RunPod's default: a worker stays warm this long
DEFAULT_EXECUTION_TIMEOUT_S: Final = 1800  # per job; the client also sets it per chunk
DEFAULT_CONTAINER_DISK_GB: Final = 20  # image ~2 GB, plus the job's temporary files


@dataclass(frozen=True)
class SetupOptions:
    image: str | None = None  # None: $TALKINGHEAD_WORKER_IMAGE
    name: str = DEFAULT_NAME
    compute: str = "GPU"  # "GPU" or "CPU"
    gpu_types: tuple[str, ...] = DEFAULT_GPU_TYPES
    cpu_flavors: tuple[str, ...] = DEFAULT_CPU_FLAVORS
    vcpus: int = DEFAULT_VCPUS
    workers_min: int = 0
    workers_max: int = DEFAULT_WORKERS_MAX
    idle_timeout_s: int = DEFAULT_IDLE_TIMEOUT_S
    execution_timeout_s: int = DEFAULT_EXECUTION_TIMEOUT_S
    container_disk_gb: int = DEFAULT_CONTAINER_DISK_GB
    flashboot: bool = True
    extra_env: dict = field(default_factory=dict)

    def check(self) -> None:
        if self.compute not in ("GPU", "CPU"):
            raise RemoteConfigError(f"compute must be GPU or CPU, got {self.compute!r}")
        if not 0 <= self.workers_min <= self.workers_max or self.workers_max < 1:
            raise RemoteConfigError("need 0 <= workers_min <= workers_max and workers_max >= 1")
        if not 1 <= self.idle_timeout_s <= 3600:
            raise RemoteConfigError("idle timeout must be 1 to 3600 seconds")
        if self.execution_timeout_s < 5:
            raise RemoteConfigError("execution timeout must be at least 5 seconds")


@dataclass(frozen=True)
class SetupResult:
    template_id: str
    endpoint_id: str
    created_template: bool
    created_endpoint: bool
    env_file: Path


def setup_endpoint(options: SetupOptions | None = None, *, env_file: str | os.PathLike = ENV_FILE,
                   config: RemoteConfig | None = None, out: Callable[[str], None] = print,
                   retry: RetryPolicy | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> SetupResult:
    options = options or SetupOptions()
    options.check()
    settings = read_settings(env_file)
    config = config or RemoteConfig.from_environment(env_file, require_endpoint=False)
    image = options.image or settings.get(IMAGE_VARIABLE)
    if not image:
        raise RemoteConfigError(
            f"no worker image: build the Dockerfile, push it to a registry RunPod can pull "
            f"from, and set {IMAGE_VARIABLE} (or pass the image name)")
    api = _RestApi(config, retry or RetryPolicy(read_timeout_s=60.0), sleep)
    env = {k: settings[k] for k in BUCKET_VARIABLES if settings.get(k)}
    env.update(options.extra_env)
    template_name = f"{options.name}-worker"
    template, created_template = _upsert_template(api, template_name, image, env, options)
    out(f"{'created' if created_template else 'updated'} template {template_name} "
        f"({template}): image {image}" + (f", bucket variables {', '.join(sorted(env))}"
                                          if env else ""))
    endpoint, created_endpoint = _upsert_endpoint(api, config.endpoint_id, options, template,
                                                  out)
    what = (", ".join(options.gpu_types) if options.compute == "GPU"
            else f"CPU {', '.join(options.cpu_flavors)} x {options.vcpus} vCPU")
    out(f"{'created' if created_endpoint else 'updated'} endpoint {options.name} ({endpoint}): "
        f"{what}, {options.workers_min}-{options.workers_max} workers, idle timeout "
        f"{options.idle_timeout_s} s, execution timeout {options.execution_timeout_s} s")
    path = Path(env_file)
    write_env_value(path, ENDPOINT_VARIABLE, endpoint)
    out(f"wrote {ENDPOINT_VARIABLE}={endpoint} to {path}")
    return SetupResult(template, endpoint, created_template, created_endpoint, path)


def write_env_value(path: Path, key: str, value: str) -> None:
    """Set one key in a .env file, keeping every other line (comments included) as it was."""
    if not path.exists():
        path.touch(mode=0o600)  # it holds the API key too
    set_key(path, key, value, quote_mode="never")


def _template_body(name: str, image: str, env: dict, options: SetupOptions,
                   create: bool) -> dict:
    body: dict[str, Any] = {"name": name, "imageName": image, "env": env,
                            "containerDiskInGb": options.container_disk_gb,
                            "volumeInGb": 0, "ports": [], "readme": "talkinghead worker"}
    if create:
        body.update(isServerless=True, category="CPU" if options.compute == "CPU" else "NVIDIA")
    return body


def _endpoint_body(options: SetupOptions, template_id: str, create: bool) -> dict:
    body: dict[str, Any] = {
        "name": options.name, "templateId": template_id,
        "workersMin": options.workers_min, "workersMax": options.workers_max,
        "idleTimeout": options.idle_timeout_s,
        "executionTimeoutMs": options.execution_timeout_s * 1000,
        "scalerType": "QUEUE_DELAY", "scalerValue": 4, "flashboot": options.flashboot,
    }
    if options.compute == "GPU":
        body.update(gpuTypeIds=list(options.gpu_types), gpuCount=1)
    else:
        body.update(cpuFlavorIds=list(options.cpu_flavors), vcpuCount=options.vcpus)
    if create:
        body["computeType"] = options.compute
    return body


def _upsert_template(api: _RestApi, name: str, image: str, env: dict,
                     options: SetupOptions) -> tuple[str, bool]:
    existing = [t for t in api.get("/templates?includeEndpointBoundTemplates=true")
                if isinstance(t, dict) and t.get("name") == name]
    if existing:
        template_id = existing[0]["id"]
        api.send("PATCH", f"/templates/{template_id}",
                 _template_body(name, image, env, options, create=False))
        return template_id, False
    made = api.send("POST", "/templates", _template_body(name, image, env, options, create=True))
    return _id(made, "template"), True


def _upsert_endpoint(api: _RestApi, endpoint_id: str | None, options: SetupOptions,
                     template_id: str, out: Callable[[str], None]) -> tuple[str, bool]:
    found = None
    if endpoint_id:
        answer = api.request("GET", f"/endpoints/{endpoint_id}")
        if isinstance(answer, dict) and answer.get("name") == options.name:
            found = endpoint_id
        elif answer is not None:  # e.g. the original tool's SadTalker endpoint: not ours to change
            out(f"endpoint {endpoint_id} in {ENDPOINT_VARIABLE} is {answer.get('name')!r}, "
                f"not {options.name!r}: leaving it as it is")
    if found is None:
        named = [e for e in api.get("/endpoints")
                 if isinstance(e, dict) and e.get("name") == options.name]
        found = named[0]["id"] if named else None
    if found:
        api.send("PATCH", f"/endpoints/{found}", _endpoint_body(options, template_id, False))
        return found, False
    made = api.send("POST", "/endpoints", _endpoint_body(options, template_id, True))
    return _id(made, "endpoint"), True


def _id(answer: Any, what: str) -> str:
    if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
        raise RemoteError(f"RunPod created the {what} but answered without its id")
    return answer["id"]


class _RestApi:
    def __init__(self, config: RemoteConfig, retry: RetryPolicy,
                 sleep: Callable[[float], None]) -> None:
        self.base = config.rest_url
        self.retry, self.sleep = retry, sleep
        self.session = authorized_session(config)

    def request(self, method: str, path: str, body: dict | None = None) -> Any:
        """The answer's JSON; None for 404."""
        data = json.dumps(body).encode() if body is not None else None
        answer = send(self.session, method, self.base + path, self.retry, self.sleep, data)
        if answer.status_code == 404:
            return None
        if answer.status_code >= 400:
            raise RemoteError(f"{method} {self.base}{path.split('?')[0]} answered "
                              f"{answer.status_code} {answer.reason}: {answer.text[:300]}")
        try:
            return answer.json() if answer.content else {}
        except ValueError as e:
            raise RemoteError(f"{method} {self.base}{path} answered something other than "
                              "JSON") from e

    def send(self, method: str, path: str, body: dict) -> Any:
        answer = self.request(method, path, body)
        if answer is None:
            raise RemoteError(f"{method} {self.base}{path}: not found")
        return answer

    def get(self, path: str) -> list:
        answer = self.request("GET", path)
        return answer if isinstance(answer, list) else []

"""Where the RunPod endpoint is and how to authenticate: from the environment or a `.env` file.

The variable names are those of the original SadTalker tool (`RUNPOD_API_KEY`,
`RUNPOD_SADTALKER_ENDPOINT_ID`), so its users' `.env` files keep working. The
API key is held in a `Secret`, whose `repr` and `str` never show it, so it
cannot leak through a log line, an exception or a job record by accident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn

from dotenv import dotenv_values

from .errors import RemoteConfigError

API_KEY_VARIABLE: Final = "RUNPOD_API_KEY"
ENDPOINT_VARIABLE: Final = "RUNPOD_SADTALKER_ENDPOINT_ID"
URL_VARIABLE: Final = "TALKINGHEAD_RUNPOD_URL"  # any server that speaks the serverless API
REST_URL_VARIABLE: Final = "TALKINGHEAD_RUNPOD_REST_URL"  # the management API, for --setup
DEFAULT_API_BASE: Final = "https://api.runpod.ai/v2"
DEFAULT_REST_BASE: Final = "https://rest.runpod.io/v1"
ENV_FILE: Final = ".env"


class Secret:
    """A string that never prints itself; `reveal()` is the one way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:  # never pickled into a file or another process by accident
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class RemoteConfig:
    """Everything the client needs to reach an endpoint; `repr` is safe to log."""

    api_key: Secret
    base_url: str  # e.g. https://api.runpod.ai/v2/<endpoint id>, no trailing slash
    endpoint_id: str | None = None
    rest_url: str = DEFAULT_REST_BASE

    @classmethod
    def from_environment(cls, env_file: str | os.PathLike | None = ENV_FILE,
                         environ: Mapping[str, str] | None = None,
                         require_endpoint: bool = True) -> RemoteConfig:
        """Read the process environment, falling back to `env_file` (values there never
        override the environment, as with python-dotenv's `load_dotenv`)."""
        values = read_settings(env_file, environ)
        key = values.get(API_KEY_VARIABLE) or ""
        endpoint = values.get(ENDPOINT_VARIABLE) or None
        url = values.get(URL_VARIABLE) or None
        if not key:
            raise RemoteConfigError(
                f"no RunPod API key: set {API_KEY_VARIABLE} in the environment or in "
                f"{env_file or ENV_FILE} (see https://www.runpod.io/console/user/settings)")
        if url is None and endpoint is None and require_endpoint:
            raise RemoteConfigError(
                f"no RunPod endpoint: set {ENDPOINT_VARIABLE} (run --setup to create one), "
                f"or {URL_VARIABLE} to a compatible server's base URL")
        base = (url or (f"{DEFAULT_API_BASE}/{endpoint}" if endpoint else "")).rstrip("/")
        rest = (values.get(REST_URL_VARIABLE) or DEFAULT_REST_BASE).rstrip("/")
        return cls(Secret(key), base, endpoint, rest)


def read_settings(env_file: str | os.PathLike | None = ENV_FILE,
                  environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment over the `.env` file's values (the file is optional)."""
    if environ is None:
        environ = os.environ
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k: v for k, v in environ.items() if v})
    return values

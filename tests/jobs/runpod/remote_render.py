"""`talkinghead.render` with its chunks drawn by a (fake or local) RunPod endpoint."""

from __future__ import annotations

from talkinghead import api
from talkinghead.jobs.runpod.executor import RemoteOptions, RunPodExecutor
from talkinghead.jobs.runpod.serverless import ServerlessClient


def render_remote(image, audio, output, settings=None, *, client: ServerlessClient,
                  options: RemoteOptions | None = None, timeout_s: api.Timeout = "auto",
                  **kwargs) -> api.RenderResult:
    return api.render(image, audio, output, settings, timeout_s=timeout_s,
                      backend=RunPodExecutor(client, options), **kwargs)

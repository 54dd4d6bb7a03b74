# The talkinghead RunPod serverless worker.
#
#   docker build -t <registry>/<you>/talkinghead-worker:0.1.0 .
#   docker push <registry>/<you>/talkinghead-worker:0.1.0
#   TALKINGHEAD_WORKER_IMAGE=<registry>/<you>/talkinghead-worker:0.1.0 talkinghead --setup
#
# Try it locally before pushing (the SDK's test API on port 8000):
#   docker run --rm -p 8000:8000 <image> --rp_serve_api --rp_api_host 0.0.0.0
#
# Everything comes from wheels (PyAV bundles FFmpeg, dlib-bin and pocketsphinx ship
# binaries), so no compiler or system FFmpeg is needed. The warp engine runs on CPUs;
# a GPU worker works too, it just leaves the GPU idle.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TALKINGHEAD_HOME=/tmp/talkinghead

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[runpod]" \
    && python -c "import talkinghead.runpod_worker.handler, runpod" \
    && useradd --create-home --uid 1000 worker
USER worker

# Arguments after the image name go to the runpod SDK (see talkinghead/runpod_worker.py).
ENTRYPOINT ["python", "-u", "-m", "talkinghead.runpod_worker"]

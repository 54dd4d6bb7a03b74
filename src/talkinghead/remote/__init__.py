"""Remote rendering on RunPod serverless: the same job, its chunks drawn by an endpoint.

- `client`: `render_remote`, `resume_remote`, `retrieve_remote` (the CLI's
  `--backend runpod`, `--resume`, `--retrieve`), scaling a job out by chunks.
- `serverless`: the HTTP client for /run, /status, /cancel and /health.
- `handler`: the worker's handler (`python -m talkinghead.worker` starts it).
- `payload`: the wire format of chunk requests and results, validated.
- `setup`: `--setup`, creating or updating the template and endpoint.
- `config`, `storage`, `errors`: settings from the environment or `.env`, bucket
  results, and the error types.

Nothing is imported here, so the worker and the CLI load only what they use;
the client needs `requests`, the worker the runpod SDK (`pip install
'talkinghead[runpod]'`).
"""

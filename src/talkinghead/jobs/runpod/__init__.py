"""Remote rendering on RunPod serverless: the same job, its chunks drawn by an endpoint.

- `executor`: `RunPodExecutor`, the `ChunkExecutor` behind `--backend runpod` (each chunk
  a job on the endpoint), and `retrieve_remote` (`--retrieve` of chunks still on RunPod).
- `serverless`: the HTTP client for /run, /status, /cancel and /health.
- `payload`: the wire format of chunk requests and results, validated.
- `setup`: `--setup`, creating or updating the template and endpoint.
- `config`, `storage`, `errors`: settings from the environment or `.env`, bucket
  results, and the error types.

The worker side, which renders these chunks on RunPod, is `talkinghead.runpod_worker`.

Nothing is imported here, so the worker and the CLI load only what they use;
the executor needs `requests`, the worker the runpod SDK (`pip install
'talkinghead[runpod]'`).
"""

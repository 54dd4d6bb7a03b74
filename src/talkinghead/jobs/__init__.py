"""Durable jobs: every render is recorded, chunked, resumable and retrievable by ID."""

from .store import Job, JobStore

__all__ = ["Job", "JobStore"]

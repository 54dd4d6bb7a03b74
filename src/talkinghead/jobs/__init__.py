"""Durable jobs: every render is recorded, chunked, resumable and retrievable by ID."""

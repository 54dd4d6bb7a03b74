"""Render engines: turn a framed portrait and a motion plan into frames."""

from .base import Engine, get_engine

__all__ = ["Engine", "get_engine"]

"""Face detection and the 68-point landmark geometry the renderer animates."""

from .landmarks import FaceGeometry, detect_face

__all__ = ["FaceGeometry", "detect_face"]

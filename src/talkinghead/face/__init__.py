"""Face detection and the 68-point landmark geometry the renderer animates."""

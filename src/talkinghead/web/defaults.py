"""Where the page listens by default, and how large an upload it takes."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_UPLOAD_MB = 1024  # a 50 MP TIFF is ~150 MB; an hour of 48 kHz stereo WAV ~660 MB
DEFAULT_PORT = 7860  # Gradio's usual port, so guides written for SadTalker's page fit

"""Media I/O: portraits in, audio in, video out; all decoding and encoding via PyAV and Pillow."""

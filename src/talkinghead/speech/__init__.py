"""Speech analysis: phoneme timings and acoustic features from the audio."""

from dataclasses import fields
from itertools import pairwise
from pathlib import Path

import numpy as np

from talkinghead.jobs.workers import worker_pool
from talkinghead.media.audio import Audio
from talkinghead.speech import acoustics, phonemes
from talkinghead.speech.analysis import analyse_speech, start_analysis
from talkinghead.speech.phonemes import recognize_phones

RATE = 16000


def test_pieces_decoded_in_worker_processes_give_the_same_phones(monkeypatch, synth):
    monkeypatch.setattr(phonemes, "PIECE_S", 1.5)  # the parent cuts; the workers only decode
    gap = synth.silence
    word = np.concatenate([synth.vowel(0.3, (750, 1100, 2500)), gap(0.05),
                           synth.vowel(0.3, (290, 2300, 3000))])
    audio = np.concatenate([gap(0.2), word, gap(0.3), word, gap(0.3), word, gap(0.2)])
    assert phonemes.piece_count(len(audio) / RATE) == 2
    in_this_process = recognize_phones(audio, RATE, "pocketsphinx-loop")
    with worker_pool(2) as workers:
        assert workers is not None
        in_workers = recognize_phones(audio, RATE, "pocketsphinx-loop", workers.pool)
    assert in_workers == in_this_process
    assert {s.label for s in in_workers} - {"SIL"}


def test_recognition_started_before_the_analysis_gives_the_same_speech(monkeypatch, synth):
    """create_job starts the workers analysing, finds the face, then collects the speech."""
    monkeypatch.setattr(phonemes, "PIECE_S", 1.5)
    word = np.concatenate([synth.vowel(0.3, (750, 1100, 2500)), synth.silence(0.05),
                           synth.vowel(0.3, (290, 2300, 3000))])
    samples = np.concatenate([synth.silence(0.2), word, synth.silence(0.3), word,
                              synth.silence(0.2)])
    sound = Audio(samples=samples, sample_rate=RATE, source=Path("speech.wav"), sha256="")
    with worker_pool(2) as workers:
        assert workers is not None
        early = start_analysis(sound, "a word", pool=workers.pool)
        started_early = analyse_speech(sound, "a word", started=early)
    in_this_process = analyse_speech(sound, "a word")
    assert started_early.phones == in_this_process.phones
    assert np.array_equal(started_early.features.loudness, in_this_process.features.loudness)


def test_feature_blocks_measured_in_worker_processes_give_the_same_features(monkeypatch, synth):
    """The workers get the blocks' samples, never the whole recording."""
    monkeypatch.setattr(acoustics, "BLOCK_HOPS", 60)  # the parent cuts; the workers measure
    word = np.concatenate([synth.vowel(0.3, (750, 1100, 2500)), synth.silence(0.05),
                           synth.vowel(0.3, (290, 2300, 3000))])
    samples = np.concatenate([synth.silence(0.2), word, synth.noise(0.4), word,
                              synth.silence(0.2)])
    assert len(acoustics.hop_blocks(len(samples), RATE)) == 4
    sound = Audio(samples=samples, sample_rate=RATE, source=Path("speech.wav"), sha256="")
    with worker_pool(2) as workers:
        assert workers is not None
        in_workers = start_analysis(sound, pool=workers.pool).features()
    in_this_process = analyse_speech(sound).features
    for field in fields(in_workers):
        assert np.array_equal(getattr(in_workers, field.name),
                              getattr(in_this_process, field.name)), field


def test_no_worker_processes_where_one_process_is_enough():
    with worker_pool(1) as workers:
        assert workers is None


def test_the_cuts_depend_on_the_audio_only(synth):
    audio = np.concatenate([synth.vowel(1.0, (700, 1200, 2500)), synth.silence(0.2)] * 30)
    bounds = phonemes.piece_bounds(audio)
    assert len(bounds) == phonemes.piece_count(len(audio) / RATE) == 3
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio)
    for (_, stop), (start, _) in pairwise(bounds):
        assert stop == start
        assert np.abs(audio[stop - 800 : stop + 800]).max() < 1e-3  # cut inside a silence

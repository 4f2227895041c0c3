"""Sound for live feedback: tones made with NumPy, a metronome thread, and whatever output exists.

Tones are generated here (no sound files shipped): a short click for the metronome and a falling
two-note cue for a repeated fault. Output goes through the first backend that works:
``sounddevice`` (PortAudio) if it is installed and has an output device, else a command-line
player (``pw-play``, ``paplay``, ``aplay``) fed a WAV file. Where none exists :func:`open_audio`
says why, once, and live mode carries on silent.

The metronome runs in its own thread so its beat does not jitter with the pose model's frame
time; :meth:`AudioOut.set_tempo` changes it, ``enabled`` mutes everything (the 'a' key).
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Callable, Optional

import numpy as np

SAMPLE_RATE = 44100
#: command-line players tried in order, with the arguments that play a WAV file quietly
PLAYERS = (("pw-play", ()), ("paplay", ()), ("aplay", ("-q",)))


def tone(freq_hz: float, duration_s: float, *, amplitude: float = 0.5, sample_rate: int = SAMPLE_RATE,
         fade_s: float = 0.005) -> np.ndarray:
    """A sine tone as float32 samples in −1..1, with raised-cosine fades against clicks."""
    n = int(round(duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    y = amplitude * np.sin(2 * np.pi * freq_hz * t)
    k = min(int(fade_s * sample_rate), n // 2)
    if k > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, k))
        y[:k] *= ramp
        y[n - k:] *= ramp[::-1]
    return y.astype(np.float32)


def click() -> np.ndarray:
    """The metronome beat: 30 ms at 1.5 kHz."""
    return tone(1500.0, 0.03)


def fault_cue() -> np.ndarray:
    """The repeated-fault cue: two falling notes (660 Hz then 440 Hz, 120 ms each)."""
    return np.concatenate([tone(660.0, 0.12), tone(440.0, 0.12)])


def wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono PCM WAV file contents of float samples in −1..1."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


Play = Callable[[str], None]


def _sounddevice_backend(sounds: dict[str, np.ndarray]) -> Play:
    import sounddevice as sd  # raises OSError without PortAudio

    sd.query_devices(kind="output")  # raises without an output device
    return lambda name: sd.play(sounds[name], SAMPLE_RATE)


def _command_backend(sounds: dict[str, np.ndarray], folder: Path) -> Optional[Play]:
    for exe, args in PLAYERS:
        path = shutil.which(exe)
        if path is None:
            continue
        files = {}
        for name, samples in sounds.items():
            files[name] = folder / f"{name}.wav"
            files[name].write_bytes(wav_bytes(samples))
        running: list[subprocess.Popen] = []

        def play(name: str, _cmd=(path, *args)) -> None:
            running[:] = [p for p in running if p.poll() is None]
            running.append(subprocess.Popen([*_cmd, str(files[name])], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        return play
    return None


class AudioOut:
    """Plays named sounds (``"click"``, ``"cue"``) and runs the metronome; see module docstring."""

    def __init__(self, play: Play, backend: str, folder: Optional[tempfile.TemporaryDirectory] = None) -> None:
        self._play, self.backend, self._folder = play, backend, folder
        self.enabled = True
        self._spm: Optional[float] = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._metronome, name="metronome", daemon=True)
        self._thread.start()

    def cue(self) -> None:
        """Play the repeated-fault cue now (if enabled)."""
        if self.enabled:
            self._play("cue")

    def set_tempo(self, spm: Optional[float]) -> None:
        """Beat the metronome at ``spm`` beats per minute (one per step); None stops it."""
        with self._cond:
            if spm != self._spm:
                self._spm = spm
                self._cond.notify_all()

    def _metronome(self) -> None:
        next_beat: Optional[float] = None
        with self._cond:
            while not self._stop:
                if not self._spm:
                    next_beat = None
                    self._cond.wait()
                    continue
                now = time.monotonic()
                if next_beat is None or next_beat < now - 0.5:
                    next_beat = now
                if now >= next_beat:
                    if self.enabled:
                        self._play("click")
                    next_beat += 60.0 / self._spm
                self._cond.wait(max(0.0, next_beat - time.monotonic()))

    def close(self) -> None:
        """Stop the metronome (safe to call twice)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=2.0)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def open_audio() -> tuple[Optional[AudioOut], str]:
    """(player, description): the first working backend, or (None, why there is no sound)."""
    sounds = {"click": click(), "cue": fault_cue()}
    try:
        return AudioOut(_sounddevice_backend(sounds), "sounddevice"), "sound through sounddevice (PortAudio)"
    except (ImportError, OSError, ValueError) as exc:
        why = f"sounddevice: {exc}"
    except Exception as exc:  # sounddevice.PortAudioError (no device) is not a builtin subclass
        why = f"sounddevice: {type(exc).__name__}: {exc}"
    folder = tempfile.TemporaryDirectory(prefix="gaitscan-audio-")
    play = _command_backend(sounds, Path(folder.name))
    if play is not None:
        return AudioOut(play, "command", folder), "sound through a command-line player"
    folder.cleanup()
    return None, f"no audio output ({why}; none of {', '.join(p for p, _ in PLAYERS)} installed) — audio cues off"

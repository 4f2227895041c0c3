"""Where the pose model comes from — always a local file, never the network.

Resolution order of :func:`resolve_model`:

1. an explicit path (the CLI's ``--model``);
2. the environment variable ``GAITSCAN_MODEL``;
3. the embedded default: BlazePose *full* as shipped inside the ``mediapipe==0.10.21`` wheel
   (``pose_detection.tflite`` + ``pose_landmark_full.tflite``), assembled once into a Tasks-API
   ``.task`` bundle and cached per user.

A Tasks bundle is a zip (members stored, not deflated) holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``. The wheel's float32 models lack the image-normalisation
metadata the Tasks API requires, so each is re-written with MediaPipe's own ``MetadataWriter``
(detector: mean 127.5, std 127.5, 2 outputs; landmarks: mean 0, std 255, 5 outputs).

The cache directory is ``$GAITSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/gaitscan``, else
``~/.cache/gaitscan``. Next to the bundle a JSON record holds its size and SHA-256 and the
sizes of the wheel files it was made from; a bundle that does not match its record (truncated,
overwritten, half-copied, made from other wheel files) is rebuilt, never trusted. Both files are
written atomically, and the build is deterministic, so concurrent builders agree.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Optional, Union

from ..atomic import write_bytes, write_text
from ..errors import ModelError

PathLike = Union[str, Path]

ENV_MODEL = "GAITSCAN_MODEL"
ENV_CACHE = "GAITSCAN_CACHE_DIR"

#: members every pose-landmarker Tasks bundle must hold (names fixed by MediaPipe's graph)
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
DEFAULT_BUNDLE_NAME = "pose_landmarker_full_mp0.10.21.task"
DEFAULT_MODEL_LABEL = "blazepose_full (mediapipe 0.10.21 wheel, embedded)"

#: bundle member -> (file inside the mediapipe package, normalisation mean, std, number of outputs)
_RECIPE = {
    "pose_detector.tflite": ("modules/pose_detection/pose_detection.tflite", 127.5, 127.5, 2),
    "pose_landmarks_detector.tflite": ("modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0, 5),
}
#: fixed zip timestamp so the bundle's bytes (and hash) depend only on its inputs
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
_TFLITE_MAGIC = b"TFL3"


def cache_dir() -> Path:
    """The per-user cache folder (not created here)."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "gaitscan"
    return Path.home() / ".cache" / "gaitscan"


def resolve_model(path: Optional[PathLike] = None) -> Path:
    """Return the path of a valid pose-landmarker ``.task`` bundle.

    ``path`` (or ``$GAITSCAN_MODEL``) is checked and returned; without either, the embedded
    default is built on first use and reused from the cache afterwards. Raises
    :class:`~gaitscan.errors.ModelError` naming the file and the problem.
    """
    chosen = path if path not in (None, "") else os.environ.get(ENV_MODEL) or None
    if chosen is not None:
        chosen = Path(chosen).expanduser()
        check_bundle(chosen)
        return chosen
    return default_model()


def model_label(path: PathLike) -> str:
    """A short human-readable name of a resolved model, for reports and ``PoseSeries.source``."""
    path = Path(path)
    if path.name == DEFAULT_BUNDLE_NAME and path.parent == cache_dir():
        return DEFAULT_MODEL_LABEL
    return path.name


def check_bundle(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` is a zip holding the two TFLite members."""
    if not path.exists():
        raise ModelError("model file not found", path)
    if not path.is_file():
        raise ModelError("model path is not a file", path)
    if path.stat().st_size == 0:
        raise ModelError("model file is empty", path)
    if not zipfile.is_zipfile(path):
        raise ModelError("not a MediaPipe .task bundle (not a zip archive); expected e.g. pose_landmarker_full.task", path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            missing = [m for m in BUNDLE_MEMBERS if m not in names]
            if missing:
                raise ModelError(f"not a pose-landmarker bundle: missing {', '.join(missing)} "
                                 f"(has {', '.join(sorted(names)) or 'nothing'})", path)
            for member in BUNDLE_MEMBERS:
                with zf.open(member) as fh:
                    head = fh.read(8)
                if head[4:8] != _TFLITE_MAGIC:
                    raise ModelError(f"bundle member {member} is not a TFLite model", path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelError(f"damaged model bundle ({exc})", path) from None


def default_model() -> Path:
    """The embedded BlazePose-full bundle: the cached copy if it checks out, else a fresh build."""
    folder = cache_dir()
    bundle = folder / DEFAULT_BUNDLE_NAME
    record = bundle.with_suffix(".json")
    sources = _source_files()
    expected_sources = {member: src.stat().st_size for member, src in sources.items()}
    if _cached_ok(bundle, record, expected_sources):
        return bundle
    data = build_default_bundle(sources)
    write_bytes(bundle, data)
    write_text(record, json.dumps({"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                   "sources": expected_sources}, indent=1) + "\n")
    return bundle


def _cached_ok(bundle: Path, record: Path, expected_sources: dict) -> bool:
    try:
        meta = json.loads(record.read_text(encoding="utf-8"))
        data = bundle.read_bytes()
    except (OSError, ValueError):
        return False
    return (isinstance(meta, dict) and meta.get("sources") == expected_sources
            and meta.get("size") == len(data) and meta.get("sha256") == hashlib.sha256(data).hexdigest())


def _source_files() -> dict[str, Path]:
    try:
        import mediapipe
    except ImportError as exc:  # pragma: no cover - mediapipe is a hard dependency
        raise ModelError(f"mediapipe is not installed ({exc})") from None
    root = Path(mediapipe.__file__).parent
    files = {member: root / rel for member, (rel, *_rest) in _RECIPE.items()}
    for member, src in files.items():
        if not src.is_file():
            raise ModelError("the installed mediapipe ships no BlazePose model (gaitscan needs mediapipe==0.10.21); "
                             "pass --model PATH to a pose_landmarker_*.task file", src)
    return files


def build_default_bundle(sources: Optional[dict[str, Path]] = None) -> bytes:
    """Assemble the Tasks bundle from the wheel's TFLite files; return its bytes (deterministic)."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    sources = sources or _source_files()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for member in BUNDLE_MEMBERS:
            _rel, mean, std, n_outputs = _RECIPE[member]
            writer = metadata_writer.MetadataWriter.create(bytearray(sources[member].read_bytes()))
            writer.add_image_input(norm_mean=[mean], norm_std=[std])
            for _ in range(n_outputs):
                writer.add_feature_output()
            with warnings.catch_warnings():
                # mediapipe's MetadataPopulator leaks a file handle it opens internally
                warnings.simplefilter("ignore", ResourceWarning)
                model_bytes, _json = writer.populate()
            zf.writestr(zipfile.ZipInfo(member, date_time=_ZIP_DATE), bytes(model_bytes))
    return buf.getvalue()

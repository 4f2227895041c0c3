"""BlazePose's 33 landmarks: indices and names (MediaPipe's order, which the model fixes)."""
from __future__ import annotations

NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(NAMES)
INDEX = {name: i for i, name in enumerate(NAMES)}

NOSE = 0
L_SHOULDER, R_SHOULDER = 11, 12
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28
L_HEEL, R_HEEL = 29, 30
L_TOE, R_TOE = 31, 32

#: Pairs (left index, right index) for every bilateral landmark, used to swap sides.
LR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (INDEX[n], INDEX["right_" + n[len("left_"):]]) for n in NAMES if n.startswith("left_")
)

#: Skeleton edges for drawing.
EDGES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    (0, 11), (0, 12),
)


def swap_lr_index() -> list[int]:
    """Return a permutation of 0..32 that exchanges every left landmark with its right twin."""
    perm = list(range(N_LANDMARKS))
    for li, ri in LR_PAIRS:
        perm[li], perm[ri] = ri, li
    return perm

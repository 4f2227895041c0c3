"""The pelvis estimator's memory does not grow with the clip: patches spill to a file, the
rigidity template is built from running sums (issue 8) — and both give the same numbers."""
import numpy as np

from gaitscan.pelvis.estimate import _PatchStore, rigidity


def test_patch_store_spills_to_a_file_and_returns_the_same_patches():
    rng = np.random.default_rng(0)
    patches = [rng.normal(size=(5, 7)).astype(np.float32) for _ in range(9)]
    store = _PatchStore(in_memory=3)
    keys = [store.append(p) for p in patches]
    assert keys == list(range(9)) and len(store._mem) == 3
    for k, p in zip(keys, patches):
        np.testing.assert_array_equal(store.get(k), p)
    store.close()


def test_rigidity_from_running_sums_matches_the_stack():
    rng = np.random.default_rng(1)
    aligned = [rng.uniform(0, 50, size=(6, 8)).astype(np.float32) for _ in range(40)]
    stack = np.asarray(aligned, np.float32)
    m, sd = stack.mean(axis=0), stack.std(axis=0)
    t, w = rigidity(iter(aligned))
    np.testing.assert_allclose(t, m, rtol=1e-5)
    np.testing.assert_allclose(w, m * m / (m * m + sd * sd + 1e-6), rtol=1e-4, atol=1e-6)

"""``gaitscan batch --scheduler``: the same jobs on a real ``dask.distributed`` cluster on loopback.

The cluster (a scheduler and 2 worker processes) is started by the fixture and shut down in its
finaliser. The results must equal a local run on the same folder.
"""
from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install 'gaitscan[distributed]')")

from gaitscan.batch.driver import run_batch  # noqa: E402
from gaitscan.batch.job import run_job  # noqa: E402
from gaitscan.batch.runner import run_dask  # noqa: E402
from gaitscan.errors import InputError, UsageError  # noqa: E402

EXAMPLE = Path(__file__).parent / "data" / "analysis_rear_example.json"


def fake_analyze(path: str, *, out_dir: str, progress: bool, **settings) -> dict:
    """Stands in for gaitscan.pipeline.analyze: GOOD:<cadence> files give the example analysis."""
    data = Path(path).read_bytes()
    if not data.startswith(b"GOOD"):
        raise InputError("not a video (fake)", path)
    analysis = json.loads(EXAMPLE.read_text())
    analysis["cadence_spm"] = float(data.split(b":")[1])
    Path(out_dir, "analysis.json").write_text(json.dumps(analysis))
    return analysis


fake_job = functools.partial(run_job, analyze=fake_analyze)


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and two worker processes on 127.0.0.1; closed when the module's tests end."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, scheduler_kwargs={"dashboard": False})
    try:
        yield cluster
    finally:
        cluster.close()


def _summary_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_dask_run_equals_local_run(tmp_path: Path, cluster):
    folder = tmp_path / "clinic"
    for rel, text in {"anna/2024-01-05.mp4": "GOOD:170", "anna/2024-02-05.mp4": "GOOD:175",
                      "bob/2024-01-07.mp4": "GOOD:181", "bob/2024-03-01.mp4": "broken"}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    local = run_batch(folder, out=tmp_path / "local", jobs=2, job_fn=fake_job)
    remote = run_batch(folder, out=tmp_path / "dask", scheduler=cluster.scheduler_address, job_fn=fake_job)
    assert (remote.done, remote.failed, remote.exit_code) == (local.done, local.failed, local.exit_code) == (3, 1, 1)
    assert _summary_rows(tmp_path / "dask") == _summary_rows(tmp_path / "local")
    assert [r["cadence_spm"] for r in _summary_rows(tmp_path / "dask")] == ["170", "175", "181", ""]


def test_unreachable_scheduler_is_a_usage_error():
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        list(run_dask([], scheduler="tcp://127.0.0.1:9", job_fn=fake_job, connect_timeout_s=2))


@pytest.mark.slow
def test_dask_run_of_the_real_pipeline_equals_the_local_run(tmp_path: Path, cluster):
    from test_batch import GOOD_VIDEOS, render_clinic  # the same synthetic clinic as the local tests

    folder = render_clinic(tmp_path / "clinic", bad=True)
    local = run_batch(folder, out=tmp_path / "local", jobs=2)
    remote = run_batch(folder, out=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (remote.done, remote.failed) == (local.done, local.failed) == (len(GOOD_VIDEOS), 3)
    local_rows, remote_rows = _summary_rows(tmp_path / "local"), _summary_rows(tmp_path / "dask")
    assert remote_rows == local_rows
    assert all(r["cadence_spm"] for r in remote_rows if r["status"] == "done")
    for row in remote_rows:
        if row["status"] == "done":
            a = json.loads((tmp_path / "dask" / row["analysis"]).read_text())
            b = json.loads((tmp_path / "local" / row["analysis"]).read_text())
            assert a["summary"] == b["summary"] and a["steps"] == b["steps"]

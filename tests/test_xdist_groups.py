"""`--dist loadgroup` really groups (tests/conftest.py repairs it for pytest 9.2 + xdist 3.8.0):
the tests of one `xdist_group` run on one worker, so a fixture shared by them runs once."""

import os

import pytest

pytestmark = pytest.mark.xdist_group("grouping_check")


@pytest.mark.parametrize("n", range(4))
def test_a_group_runs_on_one_worker(n, request, tmp_path_factory):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run with --dist loadgroup (make test does)")
    assert request.node.nodeid.endswith("@grouping_check")
    shared = tmp_path_factory.getbasetemp().parent / "grouping_check_workers"  # shared by all workers
    shared.mkdir(exist_ok=True)
    (shared / os.environ["PYTEST_XDIST_WORKER"]).touch()
    if n == 3:  # the last of the group: only this worker has run any of them
        assert [p.name for p in shared.iterdir()] == [os.environ["PYTEST_XDIST_WORKER"]]

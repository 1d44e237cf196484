"""``/threejs-sage/<version>/three.min.js`` (athena_nb/web/threejs.py): the Three.js of Sage's
3D plots, from an installed package, to anyone (a plot's frame sends no cookie), for a year;
anything else at that place is a 404 that says why, never a file from elsewhere on the disk.

Real HTTP through the production Site on a Clock (tests/support/webenv.py); the package's
directory is a temporary one here.
"""

from __future__ import annotations

import pytest

from tests.support.webenv import Env


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "r122").mkdir()
    (tmp_path / "r122" / "three.min.js").write_text("var THREE = {};")
    (tmp_path / "secret.txt").write_text("not for the web")
    monkeypatch.setattr("athena_nb.web.site.threejsRoot", lambda: tmp_path)
    return Env()


def test_the_file_is_served_to_anyone_for_a_year(env):
    stranger = env.browser()  # no session at all
    answer = stranger.get("/threejs-sage/r122/three.min.js")
    assert answer.code == 200 and answer.body == b"var THREE = {};"
    assert answer.headers["content-type"] == ["text/javascript; charset=utf-8"]
    assert answer.headers["cache-control"] == ["public, max-age=31536000, immutable"]
    assert answer.headers["x-content-type-options"] == ["nosniff"]


@pytest.mark.parametrize("path", [
    "/threejs-sage/r123/three.min.js",  # a version not installed
    "/threejs-sage/r122/three.js",
    "/threejs-sage/../secret.txt",
    "/threejs-sage/r122/../../secret.txt",
    "/threejs-sage/%2e%2e/secret.txt",
    "/threejs-sage/secret.txt",
    "/threejs-sage/",
])
def test_anything_else_is_a_404_that_says_why(env, path):
    answer = env.browser().get(path)
    assert answer.code == 404
    assert b"Three.js" in answer.body and b"not for the web" not in answer.body


def test_without_the_package_the_plot_is_told_to_look_elsewhere(monkeypatch):
    monkeypatch.setattr("athena_nb.web.site.threejsRoot", lambda: None)
    answer = Env().browser().get("/threejs-sage/r122/three.min.js")
    assert answer.code == 404 and b"jupyter_threejs_sage" in answer.body

"""A Sage 3D plot in Chromium is Sage's own rotatable Three.js scene (athena_nb/web/threejs.py,
the kernel's ``threejs_offline_scripts``): Three.js comes from the notebook's server, the frame
is 400 px high, and a drag turns the surface; a second person sees the same scene; a person
whose browser is dark sees it dark.
"""

from __future__ import annotations

import pytest

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import login, newWorksheet, output, runCell

T = 20_000


def sceneFrame(page):
    frame = output(page, 1).locator("iframe.nb-html")
    expect(frame).to_have_count(1, timeout=120_000)  # Sage loads in the kernel first
    return frame


#: The scene's picture as the frame draws it now (Sage's renderer keeps its drawing buffer).
PICTURE = "() => document.querySelector('canvas').toDataURL()"


@pytest.mark.sage
def test_plot3d_is_a_scene_that_turns_under_a_drag(three, server):
    owner, carla, vic = three
    loaded = []
    owner.on("response", lambda r: "/threejs-sage/" in r.url and loaded.append(r.status))
    runCell(owner, 1, "%sage\nx, y = var('x y')\nplot3d(sin(x*y), (x, -2, 2), (y, -2, 2))")
    frame = sceneFrame(owner)
    expect(frame).to_have_attribute("sandbox", "allow-scripts")
    canvas = owner.frame_locator(".nb-cell iframe.nb-html").locator("canvas")
    expect(canvas).to_have_count(1, timeout=T)
    assert loaded == [200]  # Sage's Three.js from this server, not from a CDN
    assert 395 <= frame.bounding_box()["height"] <= 405
    scene = frame.element_handle().content_frame()
    before = scene.evaluate(PICTURE)
    box = canvas.bounding_box()
    owner.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    owner.mouse.down()
    owner.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 40,
                     steps=8)
    owner.mouse.up()
    scene.wait_for_function(f"(before) => ({PICTURE})() !== before", arg=before, timeout=T)
    sceneFrame(vic)
    expect(vic.frame_locator(".nb-cell iframe.nb-html").locator("canvas")).to_have_count(
        1, timeout=T)


@pytest.mark.sage
def test_a_3d_plot_is_dark_in_a_dark_browser(browser, server):
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        login(page, server)
        newWorksheet(page)
        runCell(page, 1, "%sage\nsphere()")
        sceneFrame(page)
        scene = page.frame_locator(".nb-cell iframe.nb-html")
        expect(scene.locator("canvas")).to_have_count(1, timeout=T)
        expect(scene.locator("body")).to_have_class("dark-theme")
    finally:
        context.close()

"""History in the browser, through the real ``athena-nb`` process: two people edit one
worksheet; the owner opens the History, whose slider grows live while the collaborator types
on; slides back to before the collaborator's edits, sees who wrote what, compares, restores as
one version; the collaborator sees the restored text live; a read-only viewer can look at the
past but not restore it.
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, expectText, typeInto

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def panel(page):
    return page.get_by_role("region", name="History")


def pastText(page, n: int):
    return panel(page).locator(".nb-history-cell").nth(n - 1).locator(".nb-history-text")


def slideBackUntil(page, text: str) -> None:
    """Press the left arrow on the slider, one version at a time, until cell 1 reads ``text``."""
    slider = panel(page).get_by_role("slider", name="Version")
    label = panel(page).get_by_role("status")
    for _ in range(100):
        if pastText(page, 1).text_content() == text:
            return
        version = int(slider.input_value())
        assert version > 0, f"No version of cell 1 reads {text!r}."
        slider.press("ArrowLeft")
        expect(label).to_contain_text(f"Version {version - 1} of", timeout=T)
    raise AssertionError(f"Cell 1 never read {text!r} within 100 versions.")


def test_the_history_slider_with_two_people_editing_and_a_live_restore(three):
    owner, carla, vic = three
    typeInto(owner, 1, "a = 1")
    expectText(carla, 1, "a = 1")
    box(carla, 1).press("End")
    box(carla, 1).press_sequentially(" + 2")
    for page in (owner, vic):
        expectText(page, 1, "a = 1 + 2")
    # The owner opens the History: the last version, with who changed cell 1 last.
    owner.get_by_role("button", name="History").click()
    expect(pastText(owner, 1)).to_have_text("a = 1 + 2", timeout=T)
    expect(panel(owner).locator(".nb-history-by").first).to_contain_text("Carla")
    slider = panel(owner).get_by_role("slider", name="Version")
    label = panel(owner).get_by_role("status")
    last = int(slider.input_value())
    assert last >= 2
    # While the owner looks, Carla types on: the slider's range and the label follow each new
    # version live, and the version on screen stays where it is.
    for i, key in enumerate(" + 3", 1):
        box(carla, 1).press_sequentially(key)
        expect(slider).to_have_attribute("max", str(last + i), timeout=T)
        expect(label).to_contain_text(f"Version {last} of {last + i}")
    expect(slider).to_have_value(str(last))
    expect(pastText(owner, 1)).to_have_text("a = 1 + 2")
    expectText(vic, 1, "a = 1 + 2 + 3")
    typed = last + 4
    # Slide back to before Carla's edit: the owner's text, the owner's name on it.
    slideBackUntil(owner, "a = 1")
    expect(panel(owner).locator(".nb-history-by").first).to_contain_text("Owner")
    expect(box(owner, 1)).to_be_hidden()  # the past is shown read-only, in place of the cells
    # Compare with the version the History opened at: what changed since, the earlier first.
    panel(owner).get_by_role("spinbutton", name="Compare with version").fill(str(last))
    panel(owner).get_by_role("button", name="Compare").click()
    diff = panel(owner).locator(".nb-history-diff").first
    expect(diff.locator(".nb-removed")).to_have_text("- a = 1", timeout=T)
    expect(diff.locator(".nb-added")).to_have_text("+ a = 1 + 2")
    expect(panel(owner).get_by_role("status")).to_contain_text(
        re.compile(r"Changes from version \d+ to version \d+"))
    # Back to the version (the slider shows versions again), then restore it: the
    # collaborator sees it live, the viewer too.
    slider.press("ArrowRight")
    expect(pastText(owner, 1)).to_be_visible(timeout=T)
    slideBackUntil(owner, "a = 1")
    # Naming it keeps it on screen (Restore then restores it); a plain name has no outputs.
    named = slider.input_value()
    owner.once("dialog", lambda dialog: dialog.accept("before Carla"))
    panel(owner).get_by_role("button", name="Name this version").click()
    expect(panel(owner).get_by_role("button", name=f"before Carla (version {named})")).to_be_visible(
        timeout=T)
    expect(slider).to_have_value(named)
    expect(pastText(owner, 1)).to_have_text("a = 1")
    expect(panel(owner).get_by_role("button", name="outputs", exact=True)).to_have_count(0)
    panel(owner).get_by_role("button", name="Restore this version").click()
    expect(panel(owner)).to_be_hidden(timeout=T)
    for page in (owner, carla, vic):
        expectText(page, 1, "a = 1")
    # The restore is itself one version, by the owner, and Carla's edits are still in the
    # history.
    carla.get_by_role("button", name="History").click()
    expect(pastText(carla, 1)).to_have_text("a = 1", timeout=T)
    expect(panel(carla).locator(".nb-history-by").first).to_contain_text("Owner")
    expect(panel(carla).get_by_role("status")).to_contain_text(
        re.compile(rf"Version {typed + 1} of {typed + 1}: Owner, .*, restoring version \d+$"))
    # A read-only viewer looks at the past but has nothing to restore with.
    vic.get_by_role("button", name="History").click()
    expect(pastText(vic, 1)).to_have_text("a = 1", timeout=T)
    expect(panel(vic).get_by_role("button", name="Restore this version")).to_have_count(0)
    expect(panel(vic).get_by_role("button", name="Restore this cell")).to_have_count(0)
    # Closing the panel gives the live cells back.
    panel(vic).get_by_role("button", name="Close").click()
    expect(box(vic, 1)).to_be_visible()

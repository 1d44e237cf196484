"""input() in Chromium: the prompt shows under the cell for everyone; the collaborator answers
it; everyone sees the answer and the cell goes on; the viewer's field is disabled; a reload
keeps the answered prompt."""

from __future__ import annotations

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    newWorksheet,
    output,
    runCell,
    typeInto,
    waitLive,
)

T = 30_000


def test_a_prompt_answered_by_a_collaborator_is_seen_by_everyone(three):
    owner, carla, vic = three
    runCell(owner, 1, "name = input('Your name? ')\nprint('Hello,', name)")
    for page in (owner, carla, vic):
        expect(output(page, 1).locator(".nb-prompt-text")).to_have_text("Your name? ", timeout=T)
    expect(output(vic, 1).locator("input.nb-prompt-field")).to_be_disabled()
    field = output(carla, 1).locator("input.nb-prompt-field")
    field.fill("Carla")
    field.press("Enter")
    for page in (owner, carla, vic):
        expect(output(page, 1).locator(".nb-prompt-answer")).to_have_text("Carla", timeout=T)
        expect(output(page, 1)).to_contain_text("Hello, Carla", timeout=T)
    expect(cell(owner, 1)).to_have_attribute("data-state", "done")
    vic.reload()
    waitLive(vic)
    expect(output(vic, 1).locator(".nb-prompt-answer")).to_have_text("Carla", timeout=T)


def test_the_person_who_ran_the_cell_types_the_answer_straight_in(page):
    """Shift+Enter puts the caret in the next cell; the prompt that comes takes it, as in
    Jupyter, and gives it back once answered."""
    newWorksheet(page)
    typeInto(page, 1, "name = input('Your name? ')\nprint('Hello,', name)")
    page.keyboard.press("Shift+Enter")
    field = output(page, 1).locator("input.nb-prompt-field")
    expect(field).to_be_focused(timeout=T)
    page.keyboard.type("Alice")
    page.keyboard.press("Enter")
    expect(output(page, 1)).to_contain_text("Hello, Alice", timeout=T)
    expect(box(page, 2)).to_be_focused()
    expectText(page, 2, "")

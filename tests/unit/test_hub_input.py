"""input() in a cell through the real site: every viewer sees the prompt; an editor answers
and everyone sees the answer (a password's hidden); a viewer cannot; a prompt left unanswered
says so when the cell ends (athena_nb.runner, athena_nb.cells)."""

from livefragments import Settings
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together

SETTLE = Settings().settleSeconds


def prompts(page, n=0):
    return page.cells[n].ofType("input")


def test_an_editor_answers_and_everyone_sees_the_prompt_and_the_answer():
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("name = input('Name? ')",))
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    env.worker.event({"type": "input", "prompt": "Name? ", "password": False})
    env.later(SETTLE)
    for page in (ann, carla, vic):
        assert [{k: p[k] for k in ("prompt", "password")} for p in prompts(page)] == [
            {"prompt": "Name? ", "password": False}]
        assert "answer" not in prompts(page)[0]
    assert env.call(vic.cells[0].callRemote("answer", "Vic")).type == "NotAllowed"
    assert env.call(carla.cells[0].callRemote("answer", "Carla")) is True
    assert [m for m in env.worker.sent if m["op"] == "answer"] == [
        {"op": "answer", "id": env.worker.lastExecute()["id"], "value": "Carla"}]
    assert env.call(ann.cells[0].callRemote("answer", "Ann")) is False, "answered already"
    env.later(SETTLE)
    for page in (ann, carla, vic):
        assert prompts(page)[0]["answer"] == "Carla"
    env.worker.done("ok")
    env.later(1)
    stored = env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs
    assert [o.payload for o in stored if o.kind == "input"] == [
        {"prompt": "Name? ", "password": False, "answer": "Carla"}]


def test_a_password_is_never_kept_and_an_unanswered_prompt_says_so():
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("getpass()", "input()"))
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    env.worker.event({"type": "input", "prompt": "Password: ", "password": True})
    env.later(SETTLE)
    assert env.call(ann.cells[0].callRemote("answer", "hunter2")) is True
    env.later(SETTLE)
    assert prompts(vic)[0]["answer"] == "••••••"
    env.worker.done("ok")
    env.call(ann.cells[1].callRemote("run"))
    env.settle()
    env.worker.event({"type": "input", "prompt": "", "password": False})
    env.worker.done("interrupted", message="The cell was interrupted.")
    env.later(1)
    assert prompts(carla, 1)[0]["answer"] is None
    assert env.call(ann.cells[1].callRemote("answer", "late")) is False
    outputs = env.run(env.store.load_worksheet(sheet.id)).cells
    assert "hunter2" not in repr(outputs)


def test_a_bad_answer_is_refused_with_a_sentence():
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("input()",))
    bad = env.call(ann.cells[0].callRemote("answer", 42))
    assert bad.type == "BadArguments" and "answer to input()" in bad.message
    assert env.call(ann.cells[0].callRemote("answer", "nobody asked")) is False

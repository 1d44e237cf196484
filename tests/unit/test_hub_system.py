"""The worksheet's system through the real site: stored, told to everyone, sent with every run,
refused to viewers and for unknown names (athena_nb.systems)."""

from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together


def test_the_system_is_stored_told_to_everyone_and_sent_with_each_run():
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("2+2",))
    assert [page.system for page in (ann, carla, vic)] == ["python"] * 3, "the kernel's"
    html = env.owner().get(f"/worksheets/{sheet.id}/").body.decode()
    assert '<option value="python" selected>Python</option>' in html
    assert env.call(carla.callRemote("setSystem", "gp")) == "gp"
    env.settle()
    assert [page.system for page in (ann, carla, vic)] == ["gp"] * 3
    html = env.owner().get(f"/worksheets/{sheet.id}/").body.decode()
    assert '<option value="gp" selected>PARI/GP</option>' in html
    assert env.run(env.store.load_worksheet(sheet.id)).metadata["system"] == "gp"
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    assert env.worker.running["code"] == "2+2" and env.worker.running["system"] == "gp"


def test_viewers_and_unknown_systems_are_refused():
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("x",))
    assert env.call(vic.callRemote("setSystem", "sage")).type == "NotAllowed"
    bad = env.call(ann.callRemote("setSystem", "cobol"))
    assert bad.type == "BadRequest" and "not 'cobol'" in bad.message
    assert hub.system == "python"


def test_a_reopened_worksheet_keeps_its_system_and_a_stale_name_falls_back():
    env = NotebookEnv()
    sheet = env.worksheet("S", ("x",))
    env.run(env.store.set_metadata(sheet.id, "system", "maxima"))
    assert env.run(env.hubs.open(sheet.id)).system == "maxima"
    other = env.worksheet("T", ("x",))
    env.run(env.store.set_metadata(other.id, "system", "no-such-system"))
    assert env.run(env.hubs.open(other.id)).system == "python"

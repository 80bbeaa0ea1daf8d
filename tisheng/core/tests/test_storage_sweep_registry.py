"""The store sweep knows every app's files (core/storage_sweep.py): for each kind of private file, made
through its own service, the sweep keeps it while a row names it, keeps an orphan younger than the
grace period, and removes what no row names once past it; on local files and on the object store
(moto, tisheng/core/tests/conftest.py). Every folder a file is saved into in these runs is a registered
one, and every module that saves a private file is exercised here (a scan of the code), so a new
app's folder cannot be forgotten. Retention and the sweep agree: a roster file stays while an import
rosters_purge has not expired names it."""

from __future__ import annotations

import ast
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.storage import Storage
from django.test import Client
from django.utils import timezone

from tisheng.communities.tests.test_assignments import s as assignment_world  # noqa: F401 (fixture)
from tisheng.communities.tests.test_pairing import pair, rural  # noqa: F401 (fixtures)
from tisheng.core import storage_files, storage_sweep
from tisheng.core.tests import test_storage_files_object_store as made
from tisheng.institutions.tests.conftest import call, served  # noqa: F401 (fixtures)
from tisheng.ledger.tests.conftest import enrolled_2  # noqa: F401 (fixture)
from tisheng.monitoring.tests.test_rollups import activity  # noqa: F401 (fixture)
from tisheng.playback.tests.conftest import course  # noqa: F401 (fixture)
from tisheng.playback.tests.test_hls import clip  # noqa: F401 (fixture)
from tisheng.practice.tests.conftest import catalogue, chosen, plan  # noqa: F401 (fixtures)
from tisheng.resources.tests.conftest import graded_evidence  # noqa: F401 (fixture)
from tisheng.supervision.tests.conftest import inspection_a, inspector, numbers, round_  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)  # past the 24-hour grace
ROOT = Path(__file__).resolve().parents[2]  # tisheng/


@pytest.fixture
def local(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


# --- each kind of file, made through its own service; the callable takes its rows away again --------

Forget = Callable[[], object]


def evidence(request, world, monkeypatch) -> Forget:
    from tisheng.practice.models import Submission

    made.evidence(request, world)
    return Submission.objects.all().delete


def declaration(request, world, monkeypatch) -> Forget:
    from tisheng.ledger.models import ImportedHoursDeclaration

    made.declaration(request, world)
    return ImportedHoursDeclaration.objects.all().delete


def export(request, world, monkeypatch) -> Forget:
    from tisheng.jobs.models import Job
    from tisheng.monitoring.services.exports import EXPORT_JOB

    made.export(request, world, monkeypatch)
    return Job.objects.filter(kind=EXPORT_JOB).delete


def roster(request, world, monkeypatch) -> Forget:
    from tisheng.people.models import RosterImport

    made.roster(request, world)
    return RosterImport.objects.all().delete


def assignment(request, world, monkeypatch) -> Forget:
    from tisheng.communities.models import AssignmentSubmission

    made.assignment(request, world)
    return AssignmentSubmission.objects.all().delete


def pairing(request, world, monkeypatch) -> Forget:
    from tisheng.communities.models import PairActivity

    made.pairing(request, world)
    return PairActivity.objects.all().delete


def supervision(request, world, monkeypatch) -> Forget:
    from tisheng.supervision.models import EvidenceFile

    made.supervision(request, world)
    return EvidenceFile.objects.all().delete


def resource(request, world, monkeypatch) -> Forget:
    from tisheng.resources.models import ResourceFile

    made.resource(request, world)
    return ResourceFile.objects.all().delete


def bulletin(request, world, monkeypatch) -> Forget:
    from tisheng.monitoring.models import Bulletin
    from tisheng.monitoring.services.bulletins import bulletin_issue
    from tisheng.monitoring.services.rollups import rollups_refresh

    program = request.getfixturevalue("activity")
    rollups_refresh(program)
    bulletin_issue(program=program, node_path=world.county_a.path, actor=world.county_officer)
    return Bulletin.objects.all().delete


def material(request, world, monkeypatch) -> Forget:
    from tisheng.institutions.models import ApplicationMaterial
    from tisheng.institutions.services import selection
    from tisheng.institutions.tests.conftest import pdf_upload

    c = request.getfixturevalue("call")
    application = selection.application_save(actor=c.staff[0], selection=c.round, statement="十年培训经验",
                                              courses_text="信息技术与课堂教学融合, 10, 小学")
    selection.material_upload(actor=c.staff[0], application=application, key="m1", upload=pdf_upload())
    return ApplicationMaterial.objects.all().delete


def third_party_report(request, world, monkeypatch) -> Forget:
    from tisheng.accounts.models import RoleAssignment
    from tisheng.institutions.models import ThirdPartyEvaluation
    from tisheng.institutions.services import evaluation
    from tisheng.institutions.tests.conftest import pdf_upload
    from tisheng.people.tests.factories import UserFactory

    institution = request.getfixturevalue("served").inst_b
    period = evaluation.period_open(actor=world.province_officer, region=world.province,
                                    year=timezone.localdate().year, ends_on=timezone.localdate())
    evaluator = UserFactory(name="第三方评估员", phone="13900000078")
    RoleAssignment.objects.create(user=evaluator, role="evaluator", region=world.province)
    evaluation.third_party_submit(actor=evaluator, period=period, institution=institution, score="90",
                                  summary="", upload=pdf_upload("评估报告.pdf"))
    return ThirdPartyEvaluation.objects.all().delete


def licence(request, world, monkeypatch) -> Forget:
    from tisheng.institutions.models import InstitutionRegistration
    from tisheng.institutions.tests.test_registration import post

    post(Client())
    assert InstitutionRegistration.objects.exists()
    return InstitutionRegistration.objects.all().delete


def video(request, world, monkeypatch) -> Forget:
    from tisheng.learning.models import Lesson
    from tisheng.playback import hls
    from tisheng.playback.tests.test_hls import upload

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg makes the clip and its rendition (make system-deps)")
    lesson = upload(request.getfixturevalue("course"), request.getfixturevalue("clip"))
    assert hls.rendition_build(lesson) is not None
    return Lesson.objects.filter(pk=lesson.pk).delete


KINDS = {f.__name__: f for f in (evidence, declaration, export, roster, assignment, pairing, supervision, resource,
                                 bulletin, material, third_party_report, licence, video)}

# Every module that saves a private file, and the kinds above that exercise its saves. resources/seed.py
# saves the demo resources' files under library.STORE as the library does (the same folder and names).
SAVERS = {
    "practice/services/evidence.py": ["evidence"],
    "ledger/services.py": ["declaration"],
    "monitoring/services/exports.py": ["export"],
    "monitoring/services/bulletins.py": ["bulletin"],
    "people/services/roster_import.py": ["roster"],
    "communities/services_assignments.py": ["assignment"],
    "communities/pairing_services.py": ["pairing"],
    "supervision/evidence.py": ["supervision"],
    "resources/services/library.py": ["resource"],
    "resources/seed.py": ["resource"],
    "institutions/documents.py": ["material", "third_party_report", "licence"],
    "learning/services.py": ["video"],
    "playback/hls.py": ["video"],
}


def _saved(monkeypatch) -> list[str]:
    """The names the private storage stores files under from now on (whichever backend)."""
    names: list[str] = []
    save = Storage.save

    def recording(self, name, content, max_length=None):
        stored = save(self, name, content, max_length=max_length)
        names.append(stored)
        return stored

    monkeypatch.setattr(Storage, "save", recording)
    return names


@pytest.mark.parametrize("where", ["local", "s3"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_apps_files_stay_while_a_row_names_them_and_go_past_the_grace_once_none_does(
        request, world, monkeypatch, where, kind):
    request.getfixturevalue(where)
    saved = _saved(monkeypatch)
    forget = KINDS[kind](request, world, monkeypatch)
    stored = [name for name in dict.fromkeys(saved) if storage_files.exists(name)]
    assert stored, f"{kind}: nothing was stored"
    folders = storage_sweep.top_folders()
    unregistered = [name for name in stored if not any(name.startswith(folder) for folder in folders)]
    assert not unregistered, f"{kind} saves into a folder no app registered (register_references): {unregistered}"
    folder = next(folder for folder in folders if stored[0].startswith(folder))
    young = storage_files.save(f"{folder}sweep-test/orphan.bin", b"no row names this")

    storage_sweep.sweep()  # all of it is younger than the grace: nothing goes
    assert all(storage_files.exists(name) for name in [*stored, young])

    storage_sweep.sweep(now=timezone.now() + LATER)  # the orphan is old now; the rows still name theirs
    assert not storage_files.exists(young)
    assert all(storage_files.exists(name) for name in stored)

    forget()
    result = storage_sweep.sweep(now=timezone.now() + LATER)
    assert not [name for name in stored if storage_files.exists(name)]
    assert set(stored) <= set(result["names"]) or result["removed"] > 100


def _storing_modules() -> set[str]:
    """tisheng's modules (tests left out) that call storage_files.save / save_path / touch."""
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{relative}" or relative.startswith("core/storage_files"):
            continue
        source = path.read_text(encoding="utf-8")
        if "storage_files" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("save", "save_path", "touch")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "storage_files"):
                found.add(relative)
    return found


def test_every_module_that_stores_private_files_is_exercised_by_the_sweep_test():
    assert _storing_modules() == set(SAVERS), (
        "a module stores private files that the sweep test does not make (or no longer does): add a kind "
        "to KINDS and SAVERS, and register its folder with register_references from its app's ready()")
    assert {kind for kinds in SAVERS.values() for kind in kinds} == set(KINDS)


def test_a_roster_file_stays_while_an_import_rosters_purge_has_not_expired_names_it(request, world, local):
    from tisheng.people.models import RosterImport

    made.roster(request, world)
    first = RosterImport.objects.get()
    RosterImport.objects.create(actor_name=first.actor_name, filename=first.filename, sha256=first.sha256,
                                mode=first.mode, scope_path=first.scope_path)  # the same bytes again
    name = next(str(p.relative_to(local)) for p in (local / "roster").iterdir())

    RosterImport.objects.filter(pk=first.pk).update(file_expired_at=timezone.now())
    storage_sweep.sweep(now=timezone.now() + LATER)
    assert (local / name).exists()  # the later import still names it

    RosterImport.objects.update(file_expired_at=timezone.now())
    storage_sweep.sweep(now=timezone.now() + LATER)
    assert not (local / name).exists()


def test_an_export_stays_until_its_retention_and_the_purge_and_the_sweep_agree(request, world, local, monkeypatch,
                                                                              settings):
    from tisheng.jobs.models import Job
    from tisheng.monitoring.services.exports import EXPORT_JOB, exports_purge

    made.export(request, world, monkeypatch)
    job = Job.objects.get(kind=EXPORT_JOB)
    name = job.result["file"]

    storage_sweep.sweep(now=timezone.now() + LATER)  # within TISHENG_EXPORT_RETENTION_DAYS: the job names it
    assert (local / name).exists()

    assert exports_purge(now=timezone.now() + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS + 1)) == 1
    assert not (local / name).exists()
    assert storage_sweep.sweep(now=timezone.now() + LATER)["each"]["exports/"]["removed"] == 0


def test_a_folder_registered_inside_another_is_swept_with_it(local, monkeypatch):
    monkeypatch.setattr(storage_sweep, "REFERENCES", {})
    inner = storage_files.save("outer/inner/kept.pdf", b"%PDF")
    orphan = storage_files.save("outer/inner/orphan.pdf", b"%PDF")
    storage_sweep.register_references("outer/", list)  # names nothing itself
    storage_sweep.register_references("outer/inner/", lambda: [inner])

    result = storage_sweep.sweep(now=timezone.now() + LATER)

    assert result["folders"] == ["outer/"]
    assert (local / inner).exists()
    assert not (local / orphan).exists()


def test_registering_the_same_column_twice_registers_it_once(monkeypatch):
    monkeypatch.setattr(storage_sweep, "REFERENCES", {})
    for _ in range(2):
        storage_sweep.register_references("evidence", storage_sweep.Column("practice.Submission", "file_name",
                                                                           prefix="evidence/"))
    assert len(storage_sweep.REFERENCES["evidence/"]) == 1

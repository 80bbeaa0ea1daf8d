"""Background work of the player: a lesson's uploaded video cut into HLS (playback/hls.py)."""

from tisheng.accounts.roles import Cap
from tisheng.jobs.registry import Progress, job
from tisheng.playback.hls import HLS_SEGMENT


@job(HLS_SEGMENT, capability=Cap.COURSES_MANAGE)
def hls_segment(job, progress: Progress) -> dict:
    from tisheng.learning.models import Lesson
    from tisheng.playback.hls import rendition_build

    lesson = Lesson.objects.filter(pk=job.args["lesson"]).select_related("course__institution__region").first()
    rendition = rendition_build(lesson, actor=job.created_by) if lesson is not None else None
    progress(1, 1)
    if rendition is None:
        return {"lesson": job.args["lesson"], "state": "no video"}
    return {"lesson": lesson.pk, "state": rendition.state, "segments": len(rendition.segments),
            "transcoded": rendition.transcoded}

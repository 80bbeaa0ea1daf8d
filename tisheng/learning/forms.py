from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tisheng.people.choices import SUBJECTS, TeachingStage


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.replace("，", ",").replace(" ", ",").split(",") if c.strip()]


class CourseForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=64)
    title = forms.CharField(label=_("Course title"), max_length=128)
    hours = forms.DecimalField(label=_("学时"), min_value=0.5, max_value=200, decimal_places=1)
    topics = forms.CharField(label=_("1.0 topics"), required=False, help_text=_("e.g. T1, T5"))
    micro_abilities = forms.CharField(label=_("2.0 micro-abilities"), required=False, help_text=_("e.g. A1, B3"))
    subjects = forms.MultipleChoiceField(label=_("Subjects"), required=False, choices=[(s, s) for s in SUBJECTS],
                                         widget=forms.SelectMultiple(attrs={"size": 6}))
    stages = forms.MultipleChoiceField(label=_("Stages"), required=False, choices=TeachingStage.choices,
                                       widget=forms.SelectMultiple(attrs={"size": 6}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_topics(self) -> list[str]:
        return _codes(self.cleaned_data["topics"])

    def clean_micro_abilities(self) -> list[str]:
        return _codes(self.cleaned_data["micro_abilities"])


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson title"), max_length=128)
    duration_minutes = forms.DecimalField(label=_("Duration (minutes)"), min_value=0.1, max_value=600,
                                          decimal_places=1)
    video_url = forms.URLField(label=_("Video URL (https)"), required=False, assume_scheme="https")
    video = forms.FileField(label=_("or upload an MP4"), required=False)


class QuizForm(forms.Form):
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=1, max_value=100, initial=60)
    text = forms.CharField(
        label=_("Questions"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One question per block, blocks separated by a blank line: the question, then one "
                    "choice per line, the correct one starting with *. Empty: no quiz."))

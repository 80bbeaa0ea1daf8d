"""The review chain's pages (结业审核): one queue per level, an enrollment's review page and
the teacher's own page."""

from django.urls import path

from tisheng.programs.services.review import CITY, COUNTY, PROVINCE, SCHOOL
from tisheng.programs.views import review

app_name = "review"
urlpatterns = [
    path("", review.review_home, name="home"),
    path("school/", review.queue, {"level": SCHOOL}, name=SCHOOL),
    path("county/", review.queue, {"level": COUNTY}, name=COUNTY),
    path("city/", review.queue, {"level": CITY}, name=CITY),
    path("province/", review.queue, {"level": PROVINCE}, name=PROVINCE),
    path("enrollment/<int:pk>/", review.enrollment_review, name="enrollment"),
    path("mine/", review.mine, name="mine"),
]

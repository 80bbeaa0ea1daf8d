import datetime as dt

import factory

from tisheng.accounts.models import RoleAssignment, User
from tisheng.core import idcard
from tisheng.orgs.tests.factories import SchoolFactory
from tisheng.people.choices import TeachingStage
from tisheng.people.models import Teacher, TeacherPosting

TEST_PASSWORD = "Tisheng@2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"138{n:08d}")
    name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class TeacherFactory(factory.django.DjangoModelFactory):
    """A teacher with a login account and the teacher role at their school, as the roster
    import makes them. Pass `national_id=` to fix the ID."""

    class Meta:
        model = Teacher

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教师{n}")
    birth_date = factory.Sequence(lambda n: dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28))
    national_id = factory.LazyAttributeSequence(lambda o, n: idcard.make("350102", o.birth_date, n % 1000))
    user = factory.SubFactory(UserFactory, name=factory.SelfAttribute("..name"),
                              phone=factory.Sequence(lambda n: f"139{n:08d}"))
    phone = factory.LazyAttribute(lambda o: o.user.phone if o.user else "")
    stage = TeachingStage.PRIMARY
    subject = "语文"
    started_work = dt.date(2008, 9, 1)

    @classmethod
    def _create(cls, model_class, *args, national_id: str, **kwargs):
        teacher = model_class(*args, **kwargs)
        teacher.set_national_id(national_id)
        teacher.org_path = teacher.school.path
        teacher.save()
        TeacherPosting.objects.create(teacher=teacher, school=teacher.school, source="factory")
        if teacher.user_id:
            RoleAssignment.objects.create(user=teacher.user, role="teacher", school=teacher.school)
        return teacher

    @classmethod
    def _build(cls, model_class, *args, national_id: str, **kwargs):
        teacher = model_class(*args, **kwargs)
        teacher.set_national_id(national_id)
        teacher.org_path = teacher.school.path
        return teacher

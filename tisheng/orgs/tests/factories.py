import factory

from tisheng.orgs.models import Organization, Region, RegionLevel, School, Stage


class RegionFactory(factory.django.DjangoModelFactory):
    """A region under `parent` (a province when there is none), with a consistent path."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = None
    code = factory.Sequence(lambda n: f"{36 + n:02d}")
    name = factory.LazyAttribute(lambda o: f"地区{o.code}")
    level = factory.LazyAttribute(
        lambda o: RegionLevel.PROVINCE if o.parent is None else
        (RegionLevel.CITY if o.parent.level == RegionLevel.PROVINCE else RegionLevel.COUNTY)
    )
    path = factory.LazyAttribute(lambda o: o.code if o.parent is None else f"{o.parent.path}/{o.code}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("code",)

    county = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"S{n:09d}")
    name = factory.Sequence(lambda n: f"第{n + 1}实验小学")
    stage = Stage.PRIMARY
    path = ""  # School.save() derives it from the county


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n:04d}")
    name = factory.Sequence(lambda n: f"培训机构{n}")
    kind = "institution"
    region = factory.SubFactory(RegionFactory)
    path = ""

"""The org tree: province → city → county → school, keyed by official codes.

Every region and school carries a materialized path (`35/3501/350102/3501020001`), so a
subtree is one indexed prefix query: `Q(path=p) | Q(path__startswith=p + "/")`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    # The root of a national instance (the ministry's), above the provinces whose reports it loads.
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class Region(models.Model):
    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=64, unique=True)
    # Size weight (resident population, 10k) from the shipped data file; drives demo seeding.
    population = models.PositiveIntegerField(default=0)
    sort_order = models.PositiveIntegerField(default=0)

    scope_path_field = "path"
    scope_view_capability = "orgs.view"

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    COMPLETE_SECONDARY = "complete", _("Complete secondary")
    NINE_YEAR = "nine_year", _("Nine-year school")
    VOCATIONAL = "vocational", _("Secondary vocational")
    SPECIAL = "special", _("Special education")


class Environment(models.TextChoices):
    """The 2.0 environment groups a school declares (micro-abilities A/B/C)."""

    A = "A", _("A · Multimedia classroom")
    B = "B", _("B · Blended learning")
    C = "C", _("C · Smart learning")


class School(models.Model):
    code = models.CharField(_("school code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=128)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="schools")
    path = models.CharField(max_length=96, unique=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    is_rural = models.BooleanField(_("rural"), default=False)
    environment = models.CharField(_("2.0 environment"), max_length=1, choices=Environment.choices, blank=True)
    is_deep_poverty_area = models.BooleanField(_("deep-poverty area"), default=False)
    is_demonstration = models.BooleanField(_("demonstration school"), default=False)
    # Maintained by the people services whenever the roster changes (import, transfer, status),
    # so the tree browser adds up 12,000 schools instead of scanning 450,000 teachers.
    teacher_count = models.PositiveIntegerField(_("active teachers"), default=0)

    scope_path_field = "path"
    scope_view_capability = "orgs.view"

    class Meta:
        ordering = ["path"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = school_path(self.county.path, self.code)
        super().save(*args, **kwargs)


def school_path(county_path: str, school_code: str) -> str:
    return f"{county_path}/{school_code}"


class OrganizationKind(models.TextChoices):
    INSTITUTION = "institution", _("Training institution")
    TEACHER_COLLEGE = "teacher_college", _("Teacher college")


class Organization(models.Model):
    """A training institution or a teacher college, attached to the tree at a region.

    A teacher college serves the region it is attached to (its county or city). A training
    institution reaches teachers only through its contracts with regions (programs issue).
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations")
    # Organizations hang off their region in the tree, so a county office sees its teacher
    # college; `~` keeps them apart from school codes.
    path = models.CharField(max_length=96, unique=True)

    scope_path_field = "path"
    scope_view_capability = "orgs.view"

    class Meta:
        ordering = ["code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.region.path}/~{self.code}"
        super().save(*args, **kwargs)

"""`tisheng user add --phone … --name … --role … --org <code> --password-stdin`"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tisheng.accounts import services
from tisheng.accounts.roles import Role


class Command(BaseCommand):
    help = "Manage users from the command line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a user with a role at an org node.")
        add.add_argument("--phone", required=True)
        add.add_argument("--name", required=True)
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--org", required=True, help="division code, school code or organization code")
        add.add_argument("--password-stdin", action="store_true", required=True,
                         help="read the password from standard input (never from the command line)")

    def handle(self, *args, **options):
        if options["action"] == "add":
            self.add(**options)

    def add(self, *, phone, name, role, org, **options):
        node = services.find_node(org)
        if node is None:
            raise CommandError(f"No region, school or organization with code {org}.")
        password = sys.stdin.readline().rstrip("\n")
        try:
            user = services.user_create(actor=None, phone=phone, name=name, password=password, role=role, node=node)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        self.stdout.write(f"created user {user.pk} {user.name} ({phone}) as {role} at {node} [{org}]")

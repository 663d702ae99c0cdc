import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from cases.services.deadlines import deadlines_sweep


class Command(BaseCommand):
    help = "Close or advance cases whose deadline passed and send reminders. --loop repeats it (the Procfile's clock)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run every ODR_DEADLINE_SWEEP_SECONDS until stopped.")

    def handle(self, *args: Any, loop: bool = False, **options: Any) -> None:
        while True:
            if loop:
                close_old_connections()  # a long-lived loop must not hold a dead connection
            result = deadlines_sweep()
            if any(result.values()) or not loop:
                self.stdout.write("deadline sweep: " + ", ".join(f"{value} {key}" for key, value in result.items()))
            if not loop:
                return
            time.sleep(settings.ODR_DEADLINE_SWEEP_SECONDS)

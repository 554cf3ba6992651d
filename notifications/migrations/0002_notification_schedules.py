from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    # name, function, minutes between runs
    ("kosha: mail ended notification batches", "notifications.tasks.batches_close_task", 1),
    ("kosha: tell owners of links about to expire", "notifications.tasks.links_expiring_task", 60),
]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_notices_and_email_choices"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [schedules_register(SCHEDULES)]

from django.db import migrations


def seed(apps, schema_editor):
    # The tiers are defined once, in the service; it writes them through this migration's
    # historical model.
    from plans.services import plans_seed_defaults

    plans_seed_defaults(plan_model=apps.get_model("plans", "Plan"))


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

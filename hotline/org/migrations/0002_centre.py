from django.db import migrations


def create_centre(apps, schema_editor):
    Unit = apps.get_model("org", "Unit")
    if not Unit.objects.filter(kind="centre").exists():
        centre = Unit.objects.create(name="12345热线中心", kind="centre")
        Unit.objects.filter(pk=centre.pk).update(path=f"/{centre.pk}/")


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create_centre, migrations.RunPython.noop)]

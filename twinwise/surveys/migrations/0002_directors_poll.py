"""Install the built-in directors' poll (twinwise.surveys.builtin)."""

from django.db import migrations


def install(apps, schema_editor):
    from twinwise.surveys.builtin import install as install_builtin

    install_builtin(
        apps.get_model("surveys", "Survey"),
        apps.get_model("surveys", "Section"),
        apps.get_model("surveys", "Question"),
        apps.get_model("surveys", "Option"),
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

"""``blueprint schema``."""

import typer

__all__ = ["schema"]


def schema() -> None:
    """Print the JSON Schema of blueprint.yaml, for editors to complete and check it.

    The same schema ships in the wheel as blueprints/templates/blueprint.schema.json.
    """
    from blueprints.yaml.schema import schema_text

    typer.echo(schema_text(), nl=False)

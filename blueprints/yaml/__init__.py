"""The YAML blueprint: `blueprint.yaml`, its values and its JSON schema (no Node needed)."""

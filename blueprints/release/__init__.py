"""The release workflow: synth, the YAML writer, schema validation (and, as they come, diff,
ApplySet and graph)."""

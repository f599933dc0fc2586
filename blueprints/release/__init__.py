"""The release workflow: synth, the YAML writer, schema validation, diff with its
immutable-field guard, and the ApplySet parent that makes pruning work."""

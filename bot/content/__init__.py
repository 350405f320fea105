"""Content for editors: YAML answers per language, validated, checked and hot-reloaded."""

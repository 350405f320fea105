"""Command-line entry points: `hamroh chat`, `hamroh ask`, `hamroh content ...`, ..."""

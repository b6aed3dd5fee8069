"""Lab scenarios: the YAML catalog in this package (and the shared clusters in worlds/), their
format (schema.py, scenario.schema.json), the reference checks that run on load (validation.py) and
loading itself (loader.py). Above the world and AWS layers; below only the Lab that assembles
everything (../lab.py)."""

"""Incident memory: what past runs found and did (recalled as hypotheses, never evidence), and what the team told
the responder. models.py the records; fingerprints.py a run's name-independent evidence signature; remember.py a
finished run as a record; store.py the SQLite / PostgreSQL store with its migrations; recall.py which past incidents
match an incident."""

"""The local resource directory: HSDS 3.0 packages in, nearby services out.

Modules: hsds (the tables loaded), validate (row checks), importer (package -> database),
store (SQLite/PostgreSQL), search (category + place + radius), format (chat text), mapping
(resource types and barriers -> taxonomy terms), careeronestop (optional live provider),
generate (package writer, synthetic benchmark data), cli (`python -m careerbot.directory`).
"""

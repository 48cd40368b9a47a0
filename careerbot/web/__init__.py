"""The project's web app for people: the chat widget's assets and demo page, and the staff console."""

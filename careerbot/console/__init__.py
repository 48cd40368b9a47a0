"""The staff console's data layer: its own tables next to Rasa's tracker store, kept up to date
from Rasa's events, plus accounts, privacy operations and the audit log. Plain Python and SQL;
never imports Rasa (the events table's layout is read as data)."""

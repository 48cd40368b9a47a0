"""Custom actions (rasa-sdk), thin over the careerbot package; one module per concern."""

"""What people look at: figures, the report, tables, progress. Never imports the model."""

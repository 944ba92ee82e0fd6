"""From a question to verified quotes: ranking and its fitting, the decline rule, duplicates, deep links."""

"""What a question passes before it is answered: where it was asked, its limits, and the checks."""

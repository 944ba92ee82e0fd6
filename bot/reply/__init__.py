"""What a reply looks like: rendered answers, Discord pages and buttons, the gate they pass, sharing."""

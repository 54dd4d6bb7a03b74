"""Motion planning: per-frame mouth, eye and head parameters for the whole audio."""

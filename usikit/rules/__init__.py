"""Data rules, declared once: file layouts, record rules and the engine that runs them."""

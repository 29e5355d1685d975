"""The web console: server-rendered pages (Jinja2, htmx) over the engine's tables, for
the hospital's operators, department users and auditors (docs/console.md)."""

"""postbakke.toml as typed tables: their keys, defaults and ranges (file), how what
pydantic finds in them becomes Danish problems at the file's lines (tables), and what
`postbakke config check` adds to them (check).

config.py is the one module that reads the environment: it assembles `Settings` from
the file's tables and the environment's overrides.
"""

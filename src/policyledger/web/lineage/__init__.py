"""Policy library and lineage (政策对标) on the platform: the pages, API and data around
``policyledger.lineage``. Depends on documents, accounts and tracking; nothing depends on it."""

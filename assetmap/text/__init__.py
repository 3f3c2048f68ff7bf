"""Text that people type, matched the way they mean it: typos, stems and synonyms forgiven."""

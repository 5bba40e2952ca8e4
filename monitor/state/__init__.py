"""The store (single source of truth) and the pure views derived from it."""

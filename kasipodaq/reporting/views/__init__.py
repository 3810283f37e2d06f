"""Pages of statistical reporting, one module per subject."""

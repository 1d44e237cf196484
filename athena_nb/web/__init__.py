"""athena_nb.web."""

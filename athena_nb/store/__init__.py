"""athena_nb.store."""

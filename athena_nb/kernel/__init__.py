"""athena_nb.kernel."""

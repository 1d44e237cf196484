"""athena_nb."""

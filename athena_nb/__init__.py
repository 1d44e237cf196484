"""athena-nb: a live browser notebook for Sage and Python, built on Twisted."""

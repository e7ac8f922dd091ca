"""Reading: a scanned file -> clean page images -> words with boxes."""

"""Discovery productions: selection, Bates numbering, the production volume and its verification."""

"""Extracts, the base every stage reads: the extract format (values, manifest, checksum), atomic writes,
the catalogue of units and groups, parameter parsing, where shipped data live, and Swedish
conventions (sort order, number style) that every stage shares."""

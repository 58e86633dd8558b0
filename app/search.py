"""Finding a centre in a long list by a few letters, as a person types them."""

# A list this short is read, not searched: the search box appears only above it.
WITHOUT_SEARCH = 10


def among(rows, query, *fields):
    """The rows in which every word of the query is part of one of these fields, whatever the case
    (æ, ø and å too); every row for an empty query."""
    words = query.casefold().split()
    if not words:
        return list(rows)
    return [row for row in rows if all(word in " ".join(row[field] for field in fields).casefold() for word in words)]

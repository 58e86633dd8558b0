"""Finding a centre in a long list by a few letters, as a person types them."""

# A list this short is read, not searched: the search box appears only above it.
WITHOUT_SEARCH = 10


def matches(query, *texts):
    """True if every word of the query is part of one of the texts, whatever the case (æ, ø and å too)."""
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in query.casefold().split())

"""Web sources: pages, sitemaps and site prefixes fetched politely and turned into documents.

    sources   the `sources.yaml` file and the sources registered in the database (what to read, how often)
    urls      URL normalisation, same-site and prefix tests, include/exclude patterns
    robots    robots.txt rules for our user agent
    fetch     one polite HTTP client: robots, per-host delay, timeouts, size and type limits, conditional GET
    sitemap   sitemap and sitemap-index parsing
    pages     a fetched response to a `Document` (main text, title, date, language, canonical URL, anchors)
    refresh   one refresh of a set of sources: what is new, unchanged (304), changed or gone

Nothing here writes the store: `refresh` hands the pipeline a scan, and the pipeline publishes it.
"""

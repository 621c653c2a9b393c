"""The ``vaekit`` command line: parsing and error formatting only (the work is in the api)."""

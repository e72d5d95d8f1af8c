"""gunicorn settings shared by `make run`, the end-to-end tests and the benchmarks.

gunicorn reads this file by itself when started from the checkout; the scripts also name it.
Its HTTP limits are set above the app's own (server/http_limits.py), so that the app refuses
oversized requests with problem+json; only requests past these limits get gunicorn's own
plain answer (414 for a request line over 8190 bytes, 431 for a header over 16 KiB or more
than 200 headers, 400 for malformed HTTP).
"""
limit_request_line = 8190  # gunicorn's largest finite value (the app refuses > 4096)
limit_request_field_size = 16384  # the app refuses a header over 8190 bytes
limit_request_fields = 200  # the app refuses more than 100 headers

"""gunicorn's settings wherever Kosha runs it: `make run` (scripts/run-embedded), the image
(Dockerfile, docker-compose.yml) and docs/deployment.md start gunicorn in the directory
that holds this file (the checkout, /app), and gunicorn reads ./gunicorn.conf.py from
there. Flags on its command line add to these and win."""

# The request line (method, URL with its query, protocol) in bytes, at gunicorn's largest.
# Its default, 4094, answered a search for 5,000 characters with its own HTML 414 before
# Kosha saw it; Kosha answers an over-long parameter itself, as JSON (search's q: a 400
# naming it). 8190 matches nginx's own bound on a request line (large_client_header_buffers,
# 8k by default: deploy/nginx/kosha.conf); only a longer one is still gunicorn's 414.
limit_request_line = 8190

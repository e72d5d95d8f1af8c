"""Photos: tus uploads, content-addressed storage (filesystem or S3), scoped reads, thumbnails
and garbage collection."""

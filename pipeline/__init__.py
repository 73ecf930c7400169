import os

__version__ = "0.1.0"

# Arrow's C++ code (the Parquet writer's buffers among it) allocates from the pool chosen
# when pyarrow is first imported, which `import apache_beam` does: set it before anything
# else. pyarrow's default, mimalloc, reserves 1 GiB and kept 30-55 MB more per writer group
# in a local worker; a user's own choice stands (docs/benchmarks.md, Memory).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

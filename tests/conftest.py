# Test-wide fixtures that live in their own modules.
pytest_plugins = ["tests.s3_fixture", "tests.pipeline_runs", "tests.http_fixture"]

"""ccprov's transforms: one module per concern, each a pure function wrapped by Beam.

Importing the package makes Beam's S3 filesystem reuse one boto3 client per process (see
`object_store`): every worker imports it before its first S3 call.
"""

from transforms.object_store import share_s3_clients

share_s3_clients()

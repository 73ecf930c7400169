import sys

from pipeline.audit import main

sys.exit(main())

import sys

from attendance.pipeline.cli import main

sys.exit(main())

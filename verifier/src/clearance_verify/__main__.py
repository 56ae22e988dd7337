import sys

from clearance_verify.cli import main

sys.exit(main())

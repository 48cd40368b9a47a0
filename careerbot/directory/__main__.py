import sys

from careerbot.directory.cli import main

sys.exit(main())

"""`python -m talkinghead.runpod_worker`: start the RunPod serverless worker."""

import sys

from . import main

sys.exit(main())

"""Optional render engines that need extra installs (the default `warp` engine lives in render/).

Nothing here is imported by `import talkinghead`: each engine imports its heavy
dependencies (torch) only when it is chosen, so the default install stays light.
"""

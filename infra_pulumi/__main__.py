"""`pulumi up` runs this: the stack's configuration, the deployment, and its outputs."""

import sys
from pathlib import Path

# Pulumi runs this folder as a script; the repository's packages live one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi

from infra_pulumi.config import StackConfig
from infra_pulumi.program import deploy

config = StackConfig.from_pulumi()
for name, value in deploy(config).outputs(config).items():
    pulumi.export(name, value)

"""Dry run: publishes nothing (demos, rehearsals); adapter ``platforms/dryrun.py``."""

from distributor.platforms.specs.base import Capabilities, PlatformSpec, TextRule

SPEC = PlatformSpec(
    name="dryrun",
    label="Dry run",
    text=TextRule("characters", 100_000),
    secrets=(),
    adapter="distributor.platforms.dryrun:DryRunAdapter",
    sandbox=None,  # never talks HTTP
    template="dryrun.j2",
    capabilities=Capabilities(link_card=False, link_in_text=True, images=1, alt_text=True, edit=True, delete=True),
    max_image_bytes=10 * 1024 * 1024,
    metrics_batch_size=1000,
    setup="Nothing: a dry-run account needs no credentials and posts nowhere.",
)
